/**
 * Imported first by every handler, before any module builds a schema: zod reads this setting
 * when a schema is built, not when it parses. By default zod compiles each object schema into a
 * function (new Function) on its first parse, which costs ~15 ms of every cold start for the
 * client config alone (bench/RESULTS.md, section 3). A container parses the config once; on a
 * webhook, the compiled path would save ~0.1-0.3 ms per 100-event batch (measured on a 10-field
 * object), against the milliseconds of the DynamoDB requests the same delivery makes.
 */
import { config } from 'zod';

config({ jitless: true });
