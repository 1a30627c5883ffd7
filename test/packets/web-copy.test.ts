import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSendDeps, startTwin, type Twin } from '#local/twin.ts';
import { GMAIL_CLIP_BYTES } from '#shared/email/render.ts';
import { sendPacket } from '#shared/email/send.ts';
import { findWebPacket, packetId, snapshotKeyOf, WEB_PATH } from '#shared/packets/web-link.ts';
import type { PacketReady } from '#shared/ports/publisher.ts';
import type { PacketSnapshot, Store } from '#shared/ports/store.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';
import { publishSmallWeek, SMALL_WEEK_AS_OF } from '../support/small-week.ts';

const clock = () => Date.parse(SMALL_WEEK_AS_OF);
const DAY = 86_400_000;
const outbox = mkdtempSync(join(tmpdir(), 'samepage-web-'));
afterAll(() => rmSync(outbox, { recursive: true, force: true }));

interface EmulatedMail {
  destination: { to: string[] };
  body: { html?: string };
}

describe("a packet's web copy, behind a capability link", () => {
  let twin: Twin;
  let ready: PacketReady;
  let snapshot: PacketSnapshot;

  beforeAll(async () => {
    twin = await startTwin({ config: exampleConfig(), secrets: testSecrets(), outbox });
    ready = await publishSmallWeek(twin, async (event) => {
      await sendPacket(localSendDeps(twin, clock), event);
    });
    const kept = await twin.store.getPacketSnapshot(ready.cadence, ready.periodStart);
    if (!kept) throw new Error('no snapshot');
    snapshot = kept;
  });
  afterAll(() => twin.close());

  const link = (token: string, id = packetId(snapshot)) =>
    `${twin.server?.url}${WEB_PATH}?${new URLSearchParams({ p: id, t: token })}`;

  it('keeps a 256-bit token with the snapshot, valid for the configured 90 days', () => {
    // 32 random bytes in base64url: 43 characters.
    expect(snapshot.web?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(snapshot.web?.expiresAt).toBe(snapshot.builtAt + 90 * DAY);
  });

  it('asks the store the same once for a right, a wrong and an expired token, and opens only the right one', async () => {
    const calls: string[] = [];
    const counting: Pick<Store, 'getPacketSnapshot'> = {
      getPacketSnapshot: (cadence, periodStart) => {
        calls.push(`${cadence} ${periodStart}`);
        return twin.store.getPacketSnapshot(cadence, periodStart);
      },
    };
    const token = snapshot.web?.token ?? '';
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const query = (t: string) => ({ p: packetId(snapshot), t });
    const outcomes = [
      await findWebPacket(counting, twin.config, query(token), clock()),
      await findWebPacket(counting, twin.config, query(wrong), clock()),
      await findWebPacket(counting, twin.config, query(token), (snapshot.web?.expiresAt ?? 0) + 1),
    ];
    expect(outcomes.map((outcome) => (outcome.found ? 'found' : outcome.reason))).toEqual([
      'found',
      'wrong-token',
      'expired',
    ]);
    expect(calls).toEqual(Array(3).fill(`weekly ${snapshot.periodStart}`));
  });

  it('answers the right link with the page, no-store and noindex, and every other link with the same 404', async () => {
    const right = await fetch(link(snapshot.web?.token ?? ''));
    expect(right.status).toBe(200);
    expect(right.headers.get('cache-control')).toBe('no-store');
    expect(right.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    const page = await right.text();
    expect(page).toContain('<meta name="robots" content="noindex, nofollow"');
    expect(page).toContain('Qualified pipeline created');

    const refusals = await Promise.all(
      [
        link('A'.repeat(43)),
        link(snapshot.web?.token ?? '', 'weekly-2020-01-06'),
        `${twin.server?.url}${WEB_PATH}`,
      ].map(async (url) => {
        const answer = await fetch(url);
        return [answer.status, answer.headers.get('cache-control'), await answer.text()];
      }),
    );
    expect(new Set(refusals.map((refusal) => JSON.stringify(refusal))).size).toBe(1);
    expect(refusals[0]?.[0]).toBe(404);
  });

  it("puts the link in the mail, which still fits under Gmail's clip, and the link opens the page in Chromium at 375 and 1024 px", async () => {
    const mails = (await (await fetch(`${twin.mail?.ses.url}/store`)).json()) as { emails: EmulatedMail[] };
    const html = mails.emails[0]?.body.html ?? '';
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(GMAIL_CLIP_BYTES);
    const href = /href="([^"]*\/packets\/view\?[^"]*)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    expect(href).toBe(link(snapshot.web?.token ?? ''));

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      for (const width of [375, 1024]) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        const answer = await page.goto(href ?? '');
        expect(answer?.status()).toBe(200);
        expect(await page.title()).toContain('Acme');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        // Every list whole: the email's "…and N more" never appears on the web.
        expect(
          await page.evaluate(() => document.body.textContent?.includes('more (all in the attached CSV)')),
        ).toBe(false);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });

  it('opens nothing once revoked, and says so for a packet without a link', async () => {
    const key = snapshotKeyOf(packetId(snapshot), twin.config);
    expect(key).toEqual({ cadence: 'weekly', periodStart: snapshot.periodStart });
    expect(await twin.store.expireWebLink(snapshot.cadence, snapshot.periodStart, clock())).toBe(true);
    expect((await fetch(link(snapshot.web?.token ?? ''))).status).toBe(404);
    expect(await twin.store.expireWebLink('weekly', '2020-01-06T00:00:00-05:00', clock())).toBe(false);
  });
});
