/** Optimizer configuration (PyTorch constructor arguments and defaults). */
import { z } from 'zod'

const lr = z.number().positive().finite()

export const OptimizerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sgd'),
    lr,
    momentum: z.number().min(0).max(1).default(0),
    dampening: z.number().min(0).max(1).default(0),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(0),
  }),
])
export type OptimizerConfig = z.infer<typeof OptimizerSchema>
