import { build } from 'esbuild';
import type { ClientConfig } from '#shared/config/schema.ts';
import {
  BUNDLE_BANNER,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  bundleDefines,
  bundleExternals,
  type FunctionName,
} from '../../infra/constructs/bundle-settings.ts';

/**
 * Bundles an entry file as the stack bundles the function `like` (infra/constructs/bundle-settings.ts):
 * ESM, minified, the same externals, the client config baked in.
 */
export async function bundleLikeFunction(
  like: FunctionName,
  entry: string,
  outfile: string,
  config: ClientConfig,
): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    mainFields: BUNDLE_MAIN_FIELDS,
    external: bundleExternals(like),
    banner: { js: BUNDLE_BANNER },
    define: bundleDefines(config),
    outfile,
    logLevel: 'error',
  });
}
