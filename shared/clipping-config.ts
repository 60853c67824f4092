/** Gradient clipping configuration. */
import { z } from 'zod'

export const ClippingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }),
])
export type ClippingConfig = z.infer<typeof ClippingSchema>
