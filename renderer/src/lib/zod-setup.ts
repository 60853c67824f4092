/**
 * Imported first by main.ts, before any schema is built: the page's CSP forbids eval, and
 * zod probes for it (logging a CSP violation) when an object schema is created unless jitless.
 */
import { z } from 'zod'

z.config({ jitless: true })
