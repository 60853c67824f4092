/**
 * What a user writes about a run (name, tags, notes) and its limits, for the API and the
 * store alike. A leaf module (zod only): shared/config.ts reaches it through shared/api.ts,
 * so it must not import config itself.
 */
import { z } from 'zod'

export const MAX_RUN_NAME = 200
export const MAX_TAGS = 50
export const MAX_TAG_LENGTH = 64
export const MAX_NOTES = 100_000
export const RunNameSchema = z.string().trim().min(1, 'name must not be empty').max(MAX_RUN_NAME, `name must be at most ${MAX_RUN_NAME} characters`)
export const RunTagsSchema = z
  .array(z.string().trim().min(1, 'a tag must not be empty').max(MAX_TAG_LENGTH, `a tag must be at most ${MAX_TAG_LENGTH} characters`), { error: 'tags must be a list of strings' })
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
export const RunNotesSchema = z.string({ error: 'notes must be text' }).max(MAX_NOTES, 'notes must be at most 100,000 characters')
