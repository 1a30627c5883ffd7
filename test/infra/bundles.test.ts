import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPacketEmail, renderPacketWeb } from '#shared/email/render.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { esbuildOptions } from '../../infra/constructs/bundle-settings.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';

// The bundles alias React's server entry and @react-email/render's plain-text parsers away
// (bundle-settings.ts). The tests elsewhere run the sources, where no alias applies, so this one
// bundles the render path with the stack's settings and renders through the bundle.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'samepage-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface BundledRender {
  renderPacketEmail: typeof renderPacketEmail;
  renderPacketWeb: typeof renderPacketWeb;
  render: (node: unknown, options: { plainText: boolean }) => Promise<string>;
  createElement: (type: string) => unknown;
}

const facts = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
  firstFactAt: Math.min(...EVENTS.map((e) => e.at)),
});

describe('the render path as send-packet and view-packet bundle it', () => {
  let bundled: BundledRender;
  let inputs: string[];

  beforeAll(async () => {
    // What send-packet's and view-packet's handlers render through, plus @react-email/render
    // itself to call the option the bundles leave out.
    const entry = join(out, 'entry.ts');
    writeFileSync(
      entry,
      [
        `export { renderPacketEmail, renderPacketWeb } from ${JSON.stringify(`${ROOT}shared/email/render.ts`)};`,
        `export { render } from '@react-email/render';`,
        `export { createElement } from 'react';`,
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
});
