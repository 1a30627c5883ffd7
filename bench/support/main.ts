import { fileURLToPath } from 'node:url';

/** True when the module at `url` is the script node was started with (not an import). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(url) === process.argv[1];
}
