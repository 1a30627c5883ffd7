import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  salesforceEndpointQuery,
  salesforceHeaders,
  salesforceOutboundMessage,
} from '#local/senders/salesforce.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import { ConfigError } from '#shared/errors.ts';
import { REPO_ROOT, runSamepage } from '../support/cli.ts';
import { EXAMPLE_CONFIG_PATH, TEST_SECRETS } from '../support/config.ts';
import { entityRef } from '../support/refs.ts';
import { deliver, type SecurityStack, startSecurityStack } from './support.ts';

/*
 * Issue 13, "Salesforce accepts forged data": an outbound message carries no signature, and its
 * OrganizationId is public (every Web-to-Lead form prints it as `oid`). So a shared secret on the
 * endpoint URL is required, and a config without one is refused before anything is deployed.
 */

/** The org id of clients/example.yaml, as anyone can read it off the client's Web-to-Lead form. */
const PUBLIC_ORG_ID = '00Dxx0000001gEREAY';
const FORGED_DEAL = salesforceOutboundMessage(PUBLIC_ORG_ID, [
  {
    type: 'Opportunity',
    fields: {
      Id: '006xx000001FAKEAAA',
      StageName: 'closedwon',
      Amount: '99999999',
      LastModifiedDate: '2026-11-16T14:03:00.000Z',
    },
  },
]);

const exampleDocument = () => parseYaml(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;

function withoutToken(): Record<string, unknown> {
  const document = exampleDocument();
  const sources = document.sources as Record<string, Record<string, unknown>>;
  delete sources.salesforce?.pathSecret;
  return document;
}

describe('a forged outbound message carrying the public org id', () => {
  let stack: SecurityStack;
  beforeAll(async () => {
    stack = await startSecurityStack();
  });
  afterAll(() => stack.close());

  it('is refused with 401 on the shipped example config, before any store call', async () => {
    expect(stack.config.sources.salesforce?.organizationId).toBe(PUBLIC_ORG_ID);
    for (const mode of ['direct', 'http'] as const) {
      for (const query of ['', salesforceEndpointQuery('guessed-token'), '?token=&token=']) {
        stack.counting.reset();
        const answer = await deliver(stack, mode, 'salesforce', FORGED_DEAL, salesforceHeaders(), query);
        expect(answer.status, `${mode} ${query}: ${answer.text}`).toBe(401);
        expect(stack.counting.calls).toEqual([]);
      }
    }
    expect(await stack.counting.store.getEntities([entityRef('deal#salesforce:006xx000001FAKEAAA')])).toEqual(
      new Map(),
    );
  });

  it('is taken only with the client token on the URL (the real sender)', async () => {
    const token = TEST_SECRETS['acme/salesforce-token'];
    const answer = await deliver(
      stack,
      'http',
      'salesforce',
      FORGED_DEAL,
      salesforceHeaders(),
      salesforceEndpointQuery(token),
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).toContain('<Ack>true</Ack>');
  });
});

describe('a Salesforce source without a shared secret is refused before deploy', () => {
  const WHY = /required.*OrganizationId.*public/;

  it('the config parser names sources.salesforce.pathSecret and says why', () => {
    let problems: readonly { path: string; message: string }[] = [];
    try {
      parseClientConfig(withoutToken(), 'acme.yaml');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([
      { path: 'sources.salesforce.pathSecret', message: expect.stringMatching(WHY) },
    ]);
    // The shipped configs carry one.
    expect(parseClientConfig(exampleDocument(), 'acme.yaml').sources.salesforce?.pathSecret).toBe(
      'acme/salesforce-token',
    );
  });

  describe('through the CLI and cdk synth', () => {
    let dir: string;
    let file: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'samepage-sf-token-'));
      file = join(dir, 'example.yaml');
      writeFileSync(file, toYaml(withoutToken()));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the CLI stops with exit code 2, naming the field and why', async () => {
      const result = await runSamepage(['replay', '--client', file, '--data', join(dir, 'data')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/- sources\.salesforce\.pathSecret: required/);
      expect(result.stderr).toMatch(WHY);
    });

    it('cdk synth stops, naming the field and why', () => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ client: file }) },
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/- sources\.salesforce\.pathSecret: required/);
      expect(result.stderr).toMatch(WHY);
    }, 60_000);
  });
});
