import type { ClientConfig } from '#shared/config/schema.ts';

/**
 * How every samepage function is bundled, shared by the stack (ProjectFunction) and the bundle
 * benchmark (bench/lambdas.ts), so what is measured is what is deployed.
 */
export const BUNDLE_TARGET = 'node24';
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
export type FunctionName = 'ingest' | 'build-packet' | 'send-packet' | 'view-packet';

/**
 * What a function's bundle leaves out. prettier is only imported by @react-email/render's unused
 * `pretty` option. The AWS SDK is bundled where cold start matters: loading the runtime's copy
 * from node_modules costs ~100 ms more per cold start than the same clients tree-shaken into the
 * bundle (bench/RESULTS.md). send-packet runs a few times a week and view-packet when someone
 * opens a link; with the SDK their bundles (React's server renderer) would pass 1 MB, so they use
 * the runtime's SDK.
 */
export function bundleExternals(name: FunctionName): string[] {
  return name === 'send-packet' || name === 'view-packet'
    ? ['@aws-sdk/*', 'prettier', 'prettier/*']
    : ['prettier', 'prettier/*'];
}
/** Some dependencies are CommonJS and call require(); ESM bundles need it defined. */
export const BUNDLE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export function bundleDefines(config: ClientConfig): Record<string, string> {
  return {
    'process.env.SAMEPAGE_CLIENT_CONFIG': JSON.stringify(JSON.stringify(config)),
    // React's production build: its development checks would double the send bundle.
    'process.env.NODE_ENV': JSON.stringify('production'),
  };
}
