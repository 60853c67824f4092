import { describe, expect, it } from 'vitest'
import { formatCount } from '../../renderer/src/lib/format'

describe('formatCount (narrow library columns)', () => {
  it('keeps small counts whole and shortens long ones', () => {
    expect([0, 999, 9_999, 10_800, 123_456, 999_949, 1_234_567, 45_600_000, 3e9].map(formatCount)).toEqual(['0', '999', '9,999', '10.8k', '123k', '1M', '1.2M', '45.6M', '3G'])
    expect(formatCount(null)).toBe('—')
  })
})
