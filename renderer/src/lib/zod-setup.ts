/**
 * Imported first by main.ts, before any schema is built: the page's CSP forbids eval, and
 * zod probes for it (logging a CSP violation) when an object schema is created unless jitless.
 * The builder's validation speaks in friendly words (friendly-issues.ts).
 */
import { z } from 'zod'
import { friendlyMessage } from './friendly-issues'

z.config({ jitless: true, customError: friendlyMessage })
