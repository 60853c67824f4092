/**
 * Gradient clipping between backprop and the optimizer step, as PyTorch (clip_grad_norm_,
 * clip_grad_value_), Keras (per-tensor clipnorm) and AGC (Brock et al. 2021) compute it.
 * Everything stays on the device: the norms and the "acted" flag are scalar tensors so the
 * trainer can read all of a step's scalars in one transfer.
 */
import * as tf from '@tensorflow/tfjs'
import type { ClippingConfig } from '../../shared/clipping-config'
import { globalL2Norm, wasmTuningActive } from './wasm-tuning'

export interface ClipResult {
  /**
   * The gradients to apply: new tensors, except for mode 'none', where they are the given ones
   * (a copy would cost a kernel per tensor per step). Dispose the ones that are new.
   */
  grads: tf.Tensor[]
  /** Global L2 norm of all gradients before clipping, whatever the mode. */
  normBefore: tf.Scalar
  /** Global L2 norm after clipping (normBefore itself for mode 'none'). */
  normAfter: tf.Scalar
  /**
   * 1 when a norm or an entry exceeded its limit, so clipping scaled or clamped gradients;
   * else 0 (float32). NaN exceeds nothing: a step whose gradients are NaN gets no clip tick
   * (its NaN shows in the norms and the divergence marker instead), on every mode alike.
   */
  acted: tf.Scalar
}

/** PyTorch's guard in clip_grad_norm_: coef = max_norm / (total_norm + 1e-6). */
const TORCH_NORM_EPS = 1e-6
/** AGC's guard against dividing by a zero gradient norm (timm, optax). */
const AGC_DIVISION_GUARD = 1e-6

/**
 * The norm of all tensors taken together as one vector (clip_grad_norm_'s total_norm):
 * the p-norm of the per-tensor p-norms, or the largest |g| for 'inf'. 0 for no tensors.
 */
export function globalNorm(tensors: tf.Tensor[], normType: number | 'inf' = 2): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0)
    if (normType === 'inf') return tf.max(tf.stack(tensors.map((t) => t.abs().max()))) as tf.Scalar
    // One kernel instead of 2n + 2 on tuned wasm, with the same bits.
    if (normType === 2) return globalL2Norm(tensors, wasmTuningActive())
    if (normType === 1) return tf.addN(tensors.map((t) => t.abs().sum())) as tf.Scalar
    const p = tf.scalar(normType)
    return tf.addN(tensors.map((t) => t.abs().pow(p).sum())).pow(tf.scalar(1 / normType)) as tf.Scalar
  })
}

/** 1 when any element of the boolean tensors is true, as a float32 scalar. */
function anyTrue(flags: tf.Tensor[]): tf.Scalar {
  if (flags.length === 0) return tf.scalar(0)
  return tf.max(tf.stack(flags.map((f) => f.cast('float32').max()))) as tf.Scalar
}

/** L2 norm per output unit for tfjs layouts (Dense [in, out], Conv2D [h, w, in, out]): over every axis but the last; whole tensor for scalars and vectors. */
function unitwiseNorm(t: tf.Tensor): tf.Tensor {
  if (t.rank <= 1) return t.square().sum().sqrt()
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i)
  return t.square().sum(axes, true).sqrt()
}

function clipped(grads: tf.Tensor[], cfg: ClippingConfig, params?: { vars: tf.Variable[]; isOutput: boolean[] }): { grads: tf.Tensor[]; acted: tf.Scalar } {
  switch (cfg.mode) {
    case 'none':
      return { grads, acted: tf.scalar(0) }
    case 'value': {
      const c = cfg.clipValue
      return {
        // As torch.clamp, NaN stays NaN (wasm's stock ClipByValue kernel turns it into −c,
        // which would hide a broken gradient from the norms and the divergence check).
        grads: grads.map((g) => tf.where(g.isNaN(), g, tf.clipByValue(g, -c, c))),
        acted: anyTrue(grads.map((g) => g.abs().greater(c))),
      }
    }
    case 'norm': {
      const total = globalNorm(grads, cfg.normType)
      // No branch, as in PyTorch: every gradient is multiplied by the clamped coefficient.
      const coef = tf.minimum(tf.scalar(cfg.maxNorm).div(total.add(TORCH_NORM_EPS)), 1)
      return {
        grads: grads.map((g) => g.mul(coef)),
        // coef < 1 exactly when the norm exceeded maxNorm (inf too); false for a NaN norm.
        acted: coef.less(1).cast('float32') as tf.Scalar,
      }
    }
    case 'tensor-norm': {
      const c = tf.scalar(cfg.maxNorm)
      const norms = grads.map((g) => g.square().sum().sqrt())
      // Keras clipnorm: g·c/max(‖g‖, c), no epsilon, safe for zero gradients.
      return {
        grads: grads.map((g, i) => g.mul(c.div(tf.maximum(norms[i]!, c)))),
        acted: anyTrue(norms.map((n) => n.greater(c))),
      }
    }
    case 'adaptive': {
      if (!params) throw new Error('adaptive clipping needs the parameters (params.vars)')
      if (params.vars.length !== grads.length || params.isOutput.length !== grads.length) {
        throw new Error(`adaptive clipping: ${grads.length} gradients but ${params.vars.length} variables and ${params.isOutput.length} isOutput flags`)
      }
      const factor = tf.scalar(cfg.clipFactor)
      const flags: tf.Tensor[] = []
      const out = grads.map((g, i) => {
        const w = params.vars[i]!
        if (!tf.util.arraysEqual(w.shape, g.shape)) throw new Error(`adaptive clipping: gradient ${i} has shape [${g.shape}], its variable [${w.shape}]`)
        if (cfg.excludeOutput && params.isOutput[i]) return g.clone()
        const maxNorm = tf.maximum(unitwiseNorm(w), cfg.eps).mul(factor)
        const gradNorm = unitwiseNorm(g)
        const keep = gradNorm.less(maxNorm)
        flags.push(gradNorm.greaterEqual(maxNorm))
        // The scale is computed on the small per-unit tensor; 1 where the unit is kept, so kept entries are exact.
        const scale = tf.where(keep, tf.onesLike(gradNorm), maxNorm.div(tf.maximum(gradNorm, AGC_DIVISION_GUARD)))
        return g.mul(scale)
      })
      return { grads: out, acted: anyTrue(flags) }
    }
  }
}

/**
 * Clip gradients as `cfg` says. `params` (the variables, same order as grads, and which of
 * them belong to the output layer) is needed for adaptive clipping only.
 */
export function clipGradients(grads: tf.Tensor[], cfg: ClippingConfig, params?: { vars: tf.Variable[]; isOutput: boolean[] }): ClipResult {
  const r = tf.tidy(() => {
    const normBefore = globalNorm(grads, 2)
    const c = clipped(grads, cfg, params)
    // For 'none' the norm is unchanged: the same tensor, not a recomputation.
    const normAfter = cfg.mode === 'none' ? normBefore : globalNorm(c.grads, 2)
    return { grads: c.grads, normBefore, normAfter, acted: c.acted }
  })
  return r as ClipResult
}
