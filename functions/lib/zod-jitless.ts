/**
 * Imported first by every handler, before any module builds a schema: zod reads this setting
 * when a schema is built, not when it parses. By default zod compiles each object schema into a
 * function (new Function) on its first parse, which costs ~15 ms of every cold start for the
 * client config alone (bench/RESULTS.md, section 3). A container parses the config once and each
 * webhook shape per request, where the compiled path would save microseconds.
 */
import { config } from 'zod';

config({ jitless: true });
