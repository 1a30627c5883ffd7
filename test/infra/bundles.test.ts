import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPacketEmail, renderPacketWeb } from '#shared/email/render.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { esbuildOptions } from '../../infra/constructs/bundle-settings.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';

// The bundles alias React's server entry, @react-email/render's plain-text parsers and the SDK's
// credential chain away (bundle-settings.ts). The tests elsewhere run the sources, where no alias
// applies, so this one bundles the render path and an SDK client with the stack's settings and
// runs them from the bundle.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'samepage-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface BundledRender {
  renderPacketEmail: typeof renderPacketEmail;
  renderPacketWeb: typeof renderPacketWeb;
  render: (node: unknown, options: { plainText: boolean }) => Promise<string>;
  createElement: (type: string) => unknown;
  DynamoDBClient: typeof DynamoDBClient;
}

const facts = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
  firstFactAt: Math.min(...EVENTS.map((e) => e.at)),
});

describe('the render path and an SDK client as the functions bundle them', () => {
  let bundled: BundledRender;
  let inputs: string[];

  beforeAll(async () => {
    // What send-packet's and view-packet's handlers render through, @react-email/render itself to
    // call the option the bundles leave out, and a client as every handler builds one.
    const entry = join(out, 'entry.ts');
    writeFileSync(
      entry,
      [
        `export { renderPacketEmail, renderPacketWeb } from ${JSON.stringify(`${ROOT}shared/email/render.ts`)};`,
        `export { render } from '@react-email/render';`,
        `export { createElement } from 'react';`,
        `export { DynamoDBClient } from '@aws-sdk/client-dynamodb';`,
      ].join('\n'),
    );
    const outfile = join(out, 'render.mjs');
    // Resolved from the project, as the handlers' own imports are.
    const result = await build({
      ...esbuildOptions('send-packet', CONFIG, outfile, entry),
      nodePaths: [join(ROOT, 'node_modules')],
      metafile: true,
    });
    inputs = Object.keys((result.metafile as Metafile).inputs);
    bundled = (await import(pathToFileURL(outfile).href)) as BundledRender;
  }, 60_000);

  it("holds React's stream renderer only, and none of the plain-text parsers", () => {
    expect(inputs.some((input) => input.endsWith('react-dom/cjs/react-dom-server.node.production.js'))).toBe(
      true,
    );
    expect(
      inputs.filter((input) => /react-dom-server-legacy|html-to-text|html5parser|\/entities\//.test(input)),
    ).toEqual([]);
  });

  it('renders the packet email and the web copy exactly as the sources do', async () => {
    for (const cadence of ['weekly', 'quarterly'] as const) {
      const packet = buildPacket(facts, CONFIG, cadence, AS_OF);
      const fromBundle = await bundled.renderPacketEmail(packet, CONFIG.currency, 'https://example.test/p');
      const fromSources = await renderPacketEmail(packet, CONFIG.currency, 'https://example.test/p');
      expect(fromBundle.html).toMatch(/^<!DOCTYPE html/);
      expect(fromBundle.html).toContain('https://example.test/p');
      expect(fromBundle).toEqual(fromSources);
      expect(await bundled.renderPacketWeb(packet, CONFIG.currency)).toBe(
        await renderPacketWeb(packet, CONFIG.currency),
      );
    }
  });

  it('fails loudly if something asks @react-email/render for the plain text it no longer bundles', async () => {
    await expect(bundled.render(bundled.createElement('p'), { plainText: true })).rejects.toThrow(
      /plainText conversion is left out/,
    );
  });

  it("takes the SDK's credentials from the environment only, as Lambda provides them", async () => {
    expect(
      inputs.filter((input) =>
        /credential-provider-(node|ini|sso|process|web-identity|http|imds)|nested-clients/.test(input),
      ),
    ).toEqual([]);
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
    const saved = names.map((name) => process.env[name]);
    process.env.AWS_ACCESS_KEY_ID = 'AKIDBUNDLETEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'bundle-test-secret';
    process.env.AWS_SESSION_TOKEN = 'bundle-test-token';
    try {
      const client = new bundled.DynamoDBClient({ region: 'eu-west-1' });
      const credentials = await client.config.credentials();
      expect(credentials).toMatchObject({
        accessKeyId: 'AKIDBUNDLETEST',
        secretAccessKey: 'bundle-test-secret',
        sessionToken: 'bundle-test-token',
      });
      client.destroy();
    } finally {
      names.forEach((name, index) => {
        const value = saved[index];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      });
    }
  });
});
