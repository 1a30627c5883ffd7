import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { secretEnvironmentVariable } from '#shared/ports/secrets.ts';
import { TEST_SECRETS } from './config.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The test secrets as the CLI reads them: SAMEPAGE_SECRET_* variables. */
export function secretEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(TEST_SECRETS).map(([name, value]) => [secretEnvironmentVariable(name), value]),
  );
}

/** Runs `samepage <args>` as a user would (through tsx), with the test secrets in its environment. */
export function samepage(args: string[], environment: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'cli/samepage.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...secretEnvironment(), POWERTOOLS_LOG_LEVEL: 'SILENT', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a CLI command to its end and returns its exit code and output. */
export function runSamepage(
  args: string[],
  environment: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = samepage(args, environment);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Starts `samepage serve` and resolves with its base URL once it listens; `output()` is all it printed so far. */
export function startServe(
  args: string[],
  environment: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess; stopped: Promise<void>; output: () => string }> {
  const child = samepage(['serve', ...args], environment);
  const stopped = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = /POST (http:\/\/127\.0\.0\.1:\d+)\/webhooks\//.exec(output);
      if (match?.[1]) resolve({ url: match[1], child, stopped, output: () => output });
    });
    child.on('close', (code) => reject(new Error(`serve exited with ${code} before listening:\n${output}`)));
  });
}
