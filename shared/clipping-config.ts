/**
 * Gradient clipping configuration. Modes:
 * - none
 * - value: clamp every gradient entry to [−clipValue, clipValue] (torch clip_grad_value_, Keras clipvalue)
 * - norm: rescale all gradients together so their global norm is ≤ maxNorm (torch clip_grad_norm_,
 *   Keras global_clipnorm), with PyTorch's coef = maxNorm/(norm + 1e-6) clamped to 1
 * - tensor-norm: rescale each gradient tensor to its own L2 norm ≤ maxNorm (Keras clipnorm)
 * - adaptive: unit-wise adaptive gradient clipping (AGC, Brock et al. 2021), relative to the weights
 */
import { z } from 'zod'
import { flag, num, positive, strictVariant } from './fields'
import type { Doc } from './docs'

const options = <T extends z.core.$ZodLooseShape>(mode: string, shape: T) => strictVariant(`clipping mode ${mode}`, shape)

export const CLIPPING_MODES = ['none', 'value', 'norm', 'tensor-norm', 'adaptive'] as const
export type ClippingMode = (typeof CLIPPING_MODES)[number]

export const ClippingSchema = z.discriminatedUnion(
  'mode',
  [
    options('none', { mode: z.literal('none') }),
    options('value', { mode: z.literal('value'), clipValue: positive('clipValue') }),
    options('norm', {
      mode: z.literal('norm'),
      maxNorm: positive('maxNorm'),
      /** p of the global p-norm (PyTorch's norm_type): a number ≥ 1 or 'inf' (max |g|). */
      normType: z
        .union([num('normType').min(1, { error: 'normType must be ≥ 1 or "inf"' }), z.literal('inf')], {
          error: 'normType must be a number ≥ 1 or "inf"',
        })
        .default(2),
    }),
    options('tensor-norm', { mode: z.literal('tensor-norm'), maxNorm: positive('maxNorm') }),
    options('adaptive', {
      mode: z.literal('adaptive'),
      /** λ: a unit's gradient norm may be at most λ·max(‖W_unit‖, eps). timm's default. */
      clipFactor: positive('clipFactor').default(0.01),
      /** Floor on the weight norm, so zero-initialised weights still get gradients. */
      eps: positive('eps').default(1e-3),
      /** Leave the output layer unclipped, as the paper and timm do (off by default: for a single-layer model it would turn AGC off). */
      excludeOutput: flag('excludeOutput').default(false),
    }),
  ],
  {
    error: (issue) => (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator' ? `mode must be one of ${CLIPPING_MODES.join(', ')}` : undefined),
  },
)
export type ClippingConfig = z.infer<typeof ClippingSchema>
export type ClippingInput = z.input<typeof ClippingSchema>

/** One line per mode, for the UI. */
export const CLIPPING_DOCS: Record<ClippingMode, Doc> = {
  none: { title: 'No clipping', summary: 'Gradients are used as computed.', formula: 'g ← g' },
  value: {
    title: 'Clip by value',
    summary: 'Clamps every gradient entry; changes the direction of the update when any entry is clipped.',
    formula: 'g ← clamp(g, −c, c)',
  },
  norm: {
    title: 'Clip by global norm',
    summary: 'Scales all gradients by one factor when their combined norm exceeds maxNorm (PyTorch clip_grad_norm_); keeps the direction.',
    formula: 'n = ‖(g₁, …, g_k)‖_p;  g ← g·min(1, maxNorm/(n + 1e-6))',
  },
  'tensor-norm': {
    title: 'Clip each tensor’s norm',
    summary: 'Scales each gradient tensor separately to norm ≤ maxNorm (Keras clipnorm); changes the overall direction.',
    formula: 'g_i ← g_i·maxNorm/max(‖g_i‖, maxNorm)',
  },
  adaptive: {
    title: 'Adaptive (AGC)',
    summary: 'Clips each output unit’s gradient relative to the norm of its weights (Brock et al. 2021).',
    formula: 'm = λ·max(‖W_u‖, eps);  G_u ← ‖G_u‖ > m ? G_u·m/max(‖G_u‖, 1e-6) : G_u',
  },
}
