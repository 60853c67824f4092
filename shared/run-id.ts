/**
 * Its own module, imported by config (initFrom.run) and api: config → api → run → config was an
 * import cycle that left BACKEND_CHOICES uninitialised for whichever module loaded first.
 */
import { z } from 'zod'

/**
 * A run id as the store makes them (and keeps for imported folders): a plain folder name. No
 * leading dot and no '..', so an id never names the runs folder, its parent or a hidden staging folder.
 */
export const RunIdSchema = z
  .string()
  .regex(/^(?!.*\.\.)[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'a run id is 1–128 letters, digits, dots, dashes or underscores, not starting with a dot and without ".."')
