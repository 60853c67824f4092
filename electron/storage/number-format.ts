/**
 * Fast number → text for CSV that always reads back to the identical double.
 *
 * JS String(x) gives the shortest round-trip text but costs ~0.5 µs for "hard" doubles
 * (and float32 values widened to float64, i.e. every tfjs loss, are all hard), which makes a
 * million-row export take seconds. Here:
 *  - integers below 2^53 go through String (fast for them);
 *  - values with ≤ 15 significant digits are found with one scaled rounding and verified by
 *    an exactly rounded division (Clinger's fast path), giving the shortest text;
 *  - everything else gets 17 significant digits, computed exactly enough with double-double
 *    arithmetic (Dekker's product): 17 correctly rounded digits always read back to the same
 *    double, though a value whose shortest form has 16 digits is written with 17.
 * Digits are written as bytes straight into the caller's buffer (no string per number:
 * building a 100 MB CSV out of millions of small strings is what is slow in JS).
 * Output uses JS notation: plain decimals for 1e-7 ≤ |x| < 1e21, else `1.5e-8` / `2e+21`.
 * NaN is the empty string (pandas reads an empty field as NaN); ±Infinity is `Infinity` /
 * `-Infinity` (read by pandas, polars, Python float(), JS Number()).
 */

const MIN_POW = -340
const MAX_POW = 340
/** 10^k as an unevaluated sum hi + lo (≈106 bits), for k in [MIN_POW, MAX_POW]. */
const POW_HI = new Float64Array(MAX_POW - MIN_POW + 1)
const POW_LO = new Float64Array(MAX_POW - MIN_POW + 1)

function bigToNumber(num: bigint, den: bigint): number {
  // num/den rounded to ~64 bits, then to double: enough for the low half of a double-double.
  if (num === 0n) return 0
  const neg = num < 0n !== den < 0n
  let n = num < 0n ? -num : num
  const d = den < 0n ? -den : den
  let shift = 0
  while (n < d << 64n) {
    n <<= 32n
    shift += 32
  }
  // Two steps: 2^shift alone may overflow for the smallest powers.
  const q = Number(n / d) / 2 ** Math.floor(shift / 2) / 2 ** (shift - Math.floor(shift / 2))
  return neg ? -q : q
}

/** Exact value of a finite double as num / 2^exp2 (exp2 ≥ 0). */
function exactFraction(x: number): { num: bigint; exp2: number } {
  let exp2 = 0
  let m = x
  while (!Number.isInteger(m)) {
    m *= 2
    exp2++
  }
  return { num: BigInt(m), exp2 }
}

for (let k = MIN_POW; k <= MAX_POW; k++) {
  const hi = Number(`1e${k}`)
  const i = k - MIN_POW
  POW_HI[i] = hi
  if (hi === 0 || !Number.isFinite(hi)) continue
  const { num, exp2 } = exactFraction(hi)
  const two = 1n << BigInt(exp2)
  // lo = 10^k − hi = (10^k·2^exp2 − num) / 2^exp2, with 10^k = 10^k or 1/10^−k
  if (k >= 0) POW_LO[i] = bigToNumber(10n ** BigInt(k) * two - num, two)
  else POW_LO[i] = bigToNumber(two - num * 10n ** BigInt(-k), two * 10n ** BigInt(-k))
}

const SPLIT = 134217729 // 2^27 + 1, Veltkamp splitter

/** Digits for 15-digit values: exact powers of ten for the fast-path check. */
const EXACT_POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

const BITS_F64 = new Float64Array(1)
/** The same 8 bytes as two 32-bit words; [1] holds sign, exponent and top mantissa bits on little-endian machines. */
const BITS_U32 = new Uint32Array(BITS_F64.buffer)
const LOG10_2 = Math.log10(2)
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('number-format assumes a little-endian machine')

/** Bytes a single number can take at most (sign, 17 digits, point, exponent, or a String fallback). */
export const MAX_NUMBER_BYTES = 32

/** Digit buffer: the digits of the current number end at DIGITS_END, start at digitsStart. */
const DIGITS_END = 24
const digits = new Uint8Array(DIGITS_END)
let digitsStart = DIGITS_END
/** "00".."99" as byte pairs. */
const PAIRS = new Uint8Array(200)
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10)
  PAIRS[2 * i + 1] = 48 + (i % 10)
}

/** "0000".."9999" as byte quads. */
const QUADS = new Uint8Array(40000)
for (let i = 0; i < 10000; i++) {
  QUADS[4 * i] = 48 + Math.floor(i / 1000)
  QUADS[4 * i + 1] = 48 + (Math.floor(i / 100) % 10)
  QUADS[4 * i + 2] = 48 + (Math.floor(i / 10) % 10)
  QUADS[4 * i + 3] = 48 + (i % 10)
}

/** Digits of an integer below 2^31, right-aligned before `end`; `width` pads with zeros. Returns the start. */
function putInt(v: number, end: number, width: number): number {
  let p = end
  let u = v | 0
  while (u >= 10000) {
    const q = (u / 10000) | 0
    const r = (u - q * 10000) << 2
    digits[p - 1] = QUADS[r + 3]!
    digits[p - 2] = QUADS[r + 2]!
    digits[p - 3] = QUADS[r + 1]!
    digits[p - 4] = QUADS[r]!
    p -= 4
    u = q
  }
  if (u >= 100) {
    const q = (u / 100) | 0
    const r = (u - q * 100) << 1
    digits[--p] = PAIRS[r + 1]!
    digits[--p] = PAIRS[r]!
    u = q
  }
  if (u >= 10) {
    digits[--p] = PAIRS[(u << 1) + 1]!
    digits[--p] = PAIRS[u << 1]!
  } else {
    digits[--p] = 48 + u
  }
  while (end - p < width) digits[--p] = 48
  return p
}

/**
 * Digits of hi (omitted when 0) followed by lo as exactly 9 digits (unpadded when hi is 0); hi < 2^31.
 * Returns how many trailing zeros were left out (9 when lo is 0: short values such as 0.9 are common).
 */
function setDigits(hi: number, lo: number): number {
  if (hi === 0) digitsStart = putInt(lo, DIGITS_END, 0)
  else if (lo === 0) {
    digitsStart = putInt(hi, DIGITS_END, 0)
    return 9
  } else digitsStart = putInt(hi, putInt(lo, DIGITS_END, 9), 0)
  return 0
}

/** Write ±DIGITS × 10^scale in JS notation; returns the new position. */
function place(out: Uint8Array, pos: number, neg: boolean, scale: number): number {
  const d0 = digitsStart
  let end = DIGITS_END
  while (end - d0 > 1 && digits[end - 1] === 48) {
    end--
    scale++
  }
  const n = end - d0
  if (neg) out[pos++] = 45 // '-'
  const lead = scale + n - 1 // exponent of the first digit
  if (lead >= 21 || lead <= -7) {
    out[pos++] = digits[d0]!
    if (n > 1) {
      out[pos++] = 46 // '.'
      for (let i = d0 + 1; i < end; i++) out[pos++] = digits[i]!
    }
    out[pos++] = 101 // 'e'
    out[pos++] = lead < 0 ? 45 : 43
    const ex = lead < 0 ? -lead : lead
    if (ex >= 100) out[pos++] = 48 + Math.floor(ex / 100)
    if (ex >= 10) out[pos++] = 48 + (Math.floor(ex / 10) % 10)
    out[pos++] = 48 + (ex % 10)
  } else if (scale >= 0) {
    for (let i = d0; i < end; i++) out[pos++] = digits[i]!
    for (let i = 0; i < scale; i++) out[pos++] = 48
  } else if (lead >= 0) {
    const point = d0 + lead + 1
    for (let i = d0; i < point; i++) out[pos++] = digits[i]!
    out[pos++] = 46
    for (let i = point; i < end; i++) out[pos++] = digits[i]!
  } else {
    out[pos++] = 48
    out[pos++] = 46
    for (let i = -lead - 1; i > 0; i--) out[pos++] = 48
    for (let i = d0; i < end; i++) out[pos++] = digits[i]!
  }
  return pos
}

function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i)
  return pos
}

/**
 * Write `x` as ASCII at `out[pos]` (room for MAX_NUMBER_BYTES needed); returns the new position.
 * NaN writes nothing.
 */
export function writeNumber(out: Uint8Array, pos: number, x: number): number {
  if (x !== x) return pos
  const neg = x < 0
  const ax = neg ? -x : x
  if (ax === Infinity) return writeAscii(out, pos, neg ? '-Infinity' : 'Infinity')
  if (ax <= 9007199254740991 && Math.floor(ax) === ax) {
    if (ax === 0) {
      // -0 reads back as 0 in CSV readers that matter; JS String(-0) is "0" as well.
      out[pos] = 48
      return pos + 1
    }
    const hi = Math.floor(ax / 1e9)
    return place(out, pos, neg, setDigits(hi, ax - hi * 1e9))
  }
  // Decimal exponent of the first significant digit, estimated from the binary exponent
  // (off by at most one, corrected below; cheaper than Math.log10).
  BITS_F64[0] = ax
  let e = Math.floor((((BITS_U32[1]! >>> 20) & 0x7ff) - 1023) * LOG10_2)
  if (e < -280 || e > 280) return writeAscii(out, pos, String(x)) // far outside metric ranges: the slow exact path
  if (ax < POW_HI[e - MIN_POW]!) e--
  else if (ax >= POW_HI[e + 1 - MIN_POW]!) e++

  // Shortest form when it has ≤ 15 significant digits.
  const k15 = 14 - e
  if (k15 >= -22 && k15 <= 22) {
    const p = EXACT_POW10[k15 < 0 ? -k15 : k15]!
    const d = Math.round(k15 >= 0 ? ax * p : ax / p)
    if (d < 1e15 && (k15 >= 0 ? d / p : d * p) === ax) {
      const hi = Math.floor(d / 1e9)
      return place(out, pos, neg, e - 14 + setDigits(hi, d - hi * 1e9))
    }
  }

  // 17 significant digits: y = ax · 10^(16−e) ∈ [1e16, 1e17) as a double-double P + E.
  const idx = 16 - e - MIN_POW
  const bh = POW_HI[idx]!
  const bl = POW_LO[idx]!
  const P = ax * bh
  let c = SPLIT * ax
  const ah = c - (c - ax)
  const al = ax - ah
  c = SPLIT * bh
  const bhh = c - (c - bh)
  const bhl = bh - bhh
  const E = ah * bhh - P + ah * bhl + al * bhh + al * bhl + ax * bl
  // N = round(P + E) as q·1e9 + low, each part exact.
  let q = Math.floor(P / 1e9)
  let low = Math.round(P - q * 1e9 + E)
  while (low < 0) {
    q--
    low += 1e9
  }
  while (low >= 1e9) {
    q++
    low -= 1e9
  }
  return place(out, pos, neg, e - 16 + setDigits(q, low))
}

const scratch = new Uint8Array(MAX_NUMBER_BYTES * 2)

/** The text writeNumber would write ('' for NaN). */
export function formatNumber(x: number): string {
  const end = writeNumber(scratch, 0, x)
  let s = ''
  for (let i = 0; i < end; i++) s += String.fromCharCode(scratch[i]!)
  return s
}
