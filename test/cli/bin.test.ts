import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';

describe('npx samepage', () => {
  it('is the command --help and the README name: the package declares it and it runs the CLI', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    expect(manifest.bin).toEqual({ samepage: 'cli/bin.mjs' });
    // Run as npx would run it: the declared file, with node, from the repository.
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'cli/bin.mjs'), 'packet', '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: samepage packet \[options\]/);
    expect(result.stdout).toMatch(/--cadence <cadence>/);
  });

  it('exits with the usage code on an unknown command, as npm run samepage does', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'cli/bin.mjs'), 'no-such-command'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'no-such-command'/);
  });
});
