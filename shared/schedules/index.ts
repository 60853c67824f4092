/**
 * Learning-rate schedules as pure, stateful scalar math, shared by the trainer and the
 * renderer's preview (no Node or tfjs here). Semantics follow torch.optim.lr_scheduler
 * (PyTorch 1.13): a scheduler reports the hyperparameters in effect for the next optimizer
 * step, and is stepped once after each step (stepUnit 'batch') or after each epoch
 * (stepUnit 'epoch'); reduce-on-plateau gets the validation metric through step(metric).
 */
export type { ScheduleContext, Hyper, LrScheduler } from './types'
export { ScheduleSchema, SCHEDULE_TYPES, containsPlateau, type ScheduleConfig, type ScheduleInput, type ScheduleType, type ScheduleOf, type WarmupConfig, type SequentialConfig } from './schema'
export { createScheduler, validateScheduleForRun, previewSchedule, ScheduleError, type SchedulePreview } from './create'
export { SCHEDULE_DOCS, describeSchedule } from './docs'
export { fromTorchScheduler } from './torch'
