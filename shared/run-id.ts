/** The one schema of a run id, free of other imports so config, API and store all use it without a cycle. */
import { z } from 'zod'

/**
 * A run id as the store makes them (and keeps for imported folders): a plain folder name. No
 * leading dot and no '..', so an id never names the runs folder, its parent or a hidden staging folder.
 */
export const RunIdSchema = z
  .string()
  .regex(/^(?!.*\.\.)[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'a run id is 1–128 letters, digits, dots, dashes or underscores, not starting with a dot and without ".."')
