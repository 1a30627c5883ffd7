/// <reference lib="dom" />
// page.evaluate callbacks run in the browser, where these globals exist.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GMAIL_CLIP_BYTES, renderPacketEmail } from '#shared/email/render.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { periodHeading } from '#shared/packets/labels.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';
import { REPO_ROOT } from '../support/cli.ts';

/** Screenshots land here for a person to look at; the folder is not committed. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'email');

/** Debian's chromium, with the flags this closed network needs (see .ci/run, which installs it). */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

describe('the packet email in a real browser engine', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  });
  afterAll(() => browser?.close());

  it('measures overflow the way the checks below rely on (a 700 px table overflows 375 px)', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 300 } });
    await page.setContent('<table style="width:700px"><tr><td>wide</td></tr></table>');
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeGreaterThan(0);
    await page.close();
  });

  const facts = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
    firstFactAt: Math.min(...EVENTS.map((e) => e.at)),
  });

  for (const cadence of CADENCES) {
    it(`renders the ${cadence} packet at 375 and 1024 px without horizontal overflow`, async () => {
      const packet = buildPacket(facts, CONFIG, cadence, AS_OF);
      const { html } = await renderPacketEmail(packet, CONFIG.currency);
      expect(Buffer.byteLength(html)).toBeLessThan(GMAIL_CLIP_BYTES);
      writeFileSync(join(ARTIFACTS, `${cadence}.html`), html);
      for (const width of [375, 1024]) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        // No network: the email must not need any (no external images, fonts or scripts).
        await page.route('**/*', (route) => route.abort());
        await page.setContent(html, { waitUntil: 'load' });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        await page.screenshot({ path: join(ARTIFACTS, `${cadence}-${width}.png`), fullPage: true });
        expect(overflow, `${cadence} at ${width}px`).toBeLessThanOrEqual(0);
        const heading = (await page.locator('h1').textContent()) ?? '';
        expect(heading).toContain(periodHeading(packet));
        await page.close();
      }
    });
  }
});
