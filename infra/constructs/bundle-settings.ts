import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import type { ClientConfig } from '#shared/config/schema.ts';

/**
 * How every samepage function is bundled, shared by the stack (ProjectFunction) and by what
 * measures or runs the bundles (bench/lambdas.ts, test/infra/bundles.test.ts), so what is
 * measured and tested is what is deployed.
 */
export const BUNDLE_TARGET = 'node24';
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
export type FunctionName = 'ingest' | 'build-packet' | 'send-packet' | 'view-packet';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What every bundle leaves out: prettier, only imported by @react-email/render's unused `pretty`
 * option. The AWS SDK clients are bundled: loading the runtime's copy from node_modules costs
 * ~100 ms more per cold start than the same clients tree-shaken into the bundle (bench/RESULTS.md).
 */
export const BUNDLE_EXTERNALS = ['prettier', 'prettier/*'];

/**
 * Imports the bundles replace with what samepage runs, so send-packet stays under 1 MB with the
 * SDK in it and every function parses less at a cold start:
 * - react-dom/server's Node entry loads both of React's server renderers; @react-email/render
 *   calls renderToReadableStream, which only the stream build has, so the legacy build
 *   (renderToString, ~100 KB) goes. The production build, as NODE_ENV is defined below.
 * - html-to-text, html5parser and entities' decoder serve only @react-email/render's `plainText`
 *   option; samepage writes the text part itself, so a module that throws stands in (~150 KB).
 * - @aws-sdk/credential-provider-node, the SDK's default credential chain: Lambda gives each
 *   function its role's credentials in the environment, the chain's first link, so only that link
 *   is bundled (functions/lib/credentials-from-environment.ts, ~120 KB less in every bundle).
 * Values are absolute paths (esbuild resolves an alias from its working directory), which holds as
 * long as the stack bundles with the local esbuild, not in CDK's Docker image.
 */
export function bundleAliases(): Record<string, string> {
  const reactDom = dirname(createRequire(import.meta.url).resolve('react-dom/package.json'));
  const plainTextLeftOut = join(ROOT, 'shared/email/plain-text-left-out.ts');
  return {
    'react-dom/server': join(reactDom, 'cjs/react-dom-server.node.production.js'),
    'html-to-text': plainTextLeftOut,
    html5parser: plainTextLeftOut,
    'entities/lib/decode.js': plainTextLeftOut,
    '@aws-sdk/credential-provider-node': join(ROOT, 'functions/lib/credentials-from-environment.ts'),
  };
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

/**
 * The esbuild options ProjectFunction's bundling amounts to, for building a bundle outside CDK.
 * `entry` defaults to the function's handler.
 */
export function esbuildOptions(
  name: FunctionName,
  config: ClientConfig,
  outfile: string,
  entry = `${ROOT}functions/${name}/handler.ts`,
): BuildOptions & { outfile: string } {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    mainFields: BUNDLE_MAIN_FIELDS,
    external: BUNDLE_EXTERNALS,
    alias: bundleAliases(),
    banner: { js: BUNDLE_BANNER },
    define: bundleDefines(config),
    outfile,
    logLevel: 'error',
  };
}
