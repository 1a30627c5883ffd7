/**
 * Lambda bundle size and cold import time, bundled with the stack's own settings
 * (infra/constructs/bundle-settings.ts): ESM, minified, the AWS SDK bundled, a few imports aliased, config baked in.
 * Run alone: npm run bench -- --only lambdas
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { median } from '#shared/stats/index.ts';
import { esbuildOptions } from '../infra/constructs/bundle-settings.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}.bench-bundles/`;
const FUNCTIONS = ['ingest', 'build-packet', 'send-packet', 'view-packet'] as const;
const RUNS = 10;

export interface LambdaResult {
  name: string;
  bytes: number;
  coldImportMs: number;
}

export async function measureLambdas(): Promise<LambdaResult[]> {
  const config = resolveClientConfig('demo');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const results: LambdaResult[] = [];
  try {
    for (const name of FUNCTIONS) {
      const outfile = `${OUT}${name}.mjs`;
      await build(esbuildOptions(name, config, outfile));
      // A fresh node process per run: the time from the import call to the handler being ready.
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const child = spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const t=performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now()-t);`,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            env: {
              ...process.env,
              TABLE_NAME: 'bench',
              EVENT_BUS_NAME: 'bench',
              AWS_REGION: 'eu-west-1',
              AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
              POWERTOOLS_METRICS_DISABLED: 'true',
            },
          },
        );
        if (child.status !== 0) throw new Error(`${name} does not import: ${child.stderr}`);
        times.push(Number(child.stdout.trim().split('\n').at(-1)));
      }
      results.push({ name, bytes: statSync(outfile).size, coldImportMs: median(times) ?? Number.NaN });
    }
  } finally {
    rmSync(OUT, { recursive: true, force: true });
  }
  return results;
}
