import type { ClientConfig } from '#shared/config/schema.ts';

/**
 * How every samepage function is bundled, shared by the stack (ProjectFunction) and the bundle
 * benchmark (bench/lambdas.ts), so what is measured is what is deployed.
 */
export const BUNDLE_TARGET = 'node24';
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
/** The AWS SDK comes with the runtime; prettier is only imported by @react-email/render's unused `pretty` option. */
export const BUNDLE_EXTERNALS = ['@aws-sdk/*', 'prettier', 'prettier/*'];
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
