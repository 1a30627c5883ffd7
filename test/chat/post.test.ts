import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSendDeps, startTwin, type Twin } from '#local/twin.ts';
import { FetchChatPoster } from '#shared/adapters/fetch-chat-poster.ts';
import { CHAT_ATTEMPTS, chatPayload, postToChats } from '#shared/chat/post.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { RetryableSendError, sendPacket } from '#shared/email/send.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { webUrlOf } from '#shared/packets/web-link.ts';
import type { PacketReady } from '#shared/ports/publisher.ts';
import { EnvironmentSecrets, secretEnvironmentVariable } from '#shared/ports/secrets.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';
import { publishSmallWeek, SMALL_WEEK_AS_OF } from '../support/small-week.ts';

const AS_OF = SMALL_WEEK_AS_OF;
const clock = () => Date.parse(AS_OF);
const outbox = mkdtempSync(join(tmpdir(), 'samepage-chat-'));
afterAll(() => rmSync(outbox, { recursive: true, force: true }));

/** The example client with one Slack channel, and one Teams channel for weekly and monthly packets. */
function chatConfig(): ClientConfig {
  const config = exampleConfig();
  config.chat = {
    slack: [{ name: '#revenue-council', webhook: 'acme/slack-revenue' }],
    teams: [{ name: 'Leadership', webhook: 'acme/teams-leadership', cadences: ['monthly', 'weekly'] }],
  };
  return config;
}

/** A webhook that answers from a script, counting what it was sent (a stand-in for Slack or Teams). */
async function scriptedWebhook(answers: { status: number; headers?: Record<string, string> }[]) {
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      const answer = answers[Math.min(received.length - 1, answers.length - 1)] ?? { status: 200 };
      response.writeHead(answer.status, answer.headers).end(answer.status === 200 ? 'ok' : 'no_service');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // The path stands for the secret part of a real webhook URL.
    url: `http://127.0.0.1:${port}/services/T000/B000/s3cr3t-path-token`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('posting packets to Slack and Teams', () => {
  let twin: Twin;
  let ready: PacketReady;
  let packet: Packet;

  beforeAll(async () => {
    twin = await startTwin({ config: chatConfig(), secrets: testSecrets(), outbox });
    ready = await publishSmallWeek(twin);
    const snapshot = await twin.store.getPacketSnapshot(ready.cadence, ready.periodStart);
    packet = JSON.parse(snapshot?.packet ?? '{}') as Packet;
  });
  afterAll(() => twin.close());

  it('posts the packet once to each destination, and a redelivered PacketReady posts nothing new', async () => {
    const first = await sendPacket(localSendDeps(twin, clock), ready);
    expect(first.filter((entry) => entry.via !== 'email')).toMatchObject([
      { recipient: 'Slack #revenue-council', via: 'slack', outcome: 'sent', detail: 'HTTP 200 ok' },
      { recipient: 'Teams Leadership', via: 'teams', outcome: 'sent', detail: 'HTTP 202' },
    ]);
    expect(twin.chatCaptures.map((capture) => [capture.kind, capture.name])).toEqual([
      ['slack', '#revenue-council'],
      ['teams', 'Leadership'],
    ]);
    // What arrived is the same digest as the mail, laid out for each platform, with the button to
    // the packet's web copy on this twin.
    const snapshot = await twin.store.getPacketSnapshot(ready.cadence, ready.periodStart);
    const webUrl = webUrlOf(twin.server?.url ?? '', snapshot ?? { cadence: '', periodStart: '' });
    expect(webUrl).toMatch(/\/packets\/view\?p=weekly-\d{4}-\d{2}-\d{2}&t=[\w-]{43}$/);
    expect(twin.chatCaptures[0]?.payload).toEqual(JSON.parse(chatPayload('slack', packet, webUrl)));
    expect(twin.chatCaptures[1]?.payload).toEqual(JSON.parse(chatPayload('teams', packet, webUrl)));
    expect(JSON.stringify(twin.chatCaptures[0]?.payload)).toContain('View the full packet');
    // And it is kept in the packet's outbox folder, beside the mails.
    const folder = join(outbox, 'example', `weekly-${packet.period.start.slice(0, 10)}`);
    const slack = JSON.parse(readFileSync(join(folder, 'slack.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(slack)).toEqual(['#revenue-council']);

    const again = await sendPacket(localSendDeps(twin, clock), ready);
    expect(again.every((entry) => entry.outcome === 'already-sent')).toBe(true);
    expect(twin.chatCaptures).toHaveLength(2);
  });

  it('previews both posts in chat.html, which Chromium draws at 375 and 1024 px without overflow', async () => {
    const folder = join(outbox, 'example', `weekly-${packet.period.start.slice(0, 10)}`);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      for (const width of [375, 1024]) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(String(error)));
        await page.goto(`file://${join(folder, 'chat.html')}`);
        // Microsoft's renderer drew the Teams card; the Slack blocks are drawn as HTML.
        await page.waitForSelector('.ac-adaptiveCard');
        expect(errors).toEqual([]);
        const text = await page.evaluate(() => document.querySelector('main')?.textContent ?? '');
        expect(text).toContain('Slack #revenue-council');
        expect(text).toContain('Teams Leadership');
        expect(text.split(packet.headline.text).length - 1).toBe(2);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });

  it('skips a destination whose cadences do not include the packet', async () => {
    const config = chatConfig();
    config.chat.teams = [{ name: 'Board', webhook: 'acme/teams-leadership', cadences: ['quarterly'] }];
    config.chat.slack = [];
    const local = localSendDeps(twin, clock);
    if (!local.chat) throw new Error('the twin serves no chat capture');
    const report = await postToChats({ ...local, ...local.chat, config }, packet, ready);
    expect(report).toEqual([]);
  });

  describe('against a webhook that throttles, fails or is gone', () => {
    const waits: number[] = [];
    const depsFor = (url: string, name: string) => {
      const config = chatConfig();
      config.chat = { slack: [{ name, webhook: 'acme/slack-scripted' }], teams: [] };
      return {
        config,
        store: twin.store,
        clock,
        secrets: new EnvironmentSecrets({ [secretEnvironmentVariable('acme/slack-scripted')]: url }),
        poster: new FetchChatPoster(),
        sleep: async (ms: number) => {
          waits.push(ms);
        },
      };
    };

    it('waits as Retry-After asks, backs off on 5xx, and posts once it is let through', async () => {
      const webhook = await scriptedWebhook([
        { status: 429, headers: { 'retry-after': '3' } },
        { status: 503 },
        { status: 200 },
      ]);
      waits.length = 0;
      try {
        const [entry] = await postToChats(depsFor(webhook.url, '#throttled'), packet, ready);
        expect(entry).toMatchObject({ outcome: 'sent', detail: 'HTTP 200 ok' });
        expect(webhook.received).toHaveLength(3);
        // Retry-After: 3 → 3,000 ms; then the second attempt's backoff, 1,000 × 2¹.
        expect(waits).toEqual([3000, 2000]);
      } finally {
        await webhook.close();
      }
    });

    it('records a deleted webhook (410) as permanent and never posts to it again', async () => {
      const webhook = await scriptedWebhook([{ status: 410 }]);
      try {
        const [entry] = await postToChats(depsFor(webhook.url, '#archived'), packet, ready);
        expect(entry).toMatchObject({ outcome: 'failed-permanent' });
        expect(entry?.detail).toContain('HTTP 410');
        const [again] = await postToChats(depsFor(webhook.url, '#archived'), packet, ready);
        expect(again?.outcome).toBe('failed-permanent');
        expect(webhook.received).toHaveLength(1);
      } finally {
        await webhook.close();
      }
    });

    it('gives up for now after every attempt failed, and the next delivery of the event posts once', async () => {
      const webhook = await scriptedWebhook([{ status: 500 }]);
      try {
        const [entry] = await postToChats(depsFor(webhook.url, '#flaky'), packet, ready);
        expect(entry).toMatchObject({ outcome: 'failed' });
        expect(webhook.received).toHaveLength(CHAT_ATTEMPTS);
      } finally {
        await webhook.close();
      }
      const recovered = await scriptedWebhook([{ status: 200 }]);
      try {
        const [entry] = await postToChats(depsFor(recovered.url, '#flaky'), packet, ready);
        expect(entry?.outcome).toBe('sent');
        expect(recovered.received).toHaveLength(1);
      } finally {
        await recovered.close();
      }
    });

    it('makes the send fail for a retry when a chat post failed for now, after the mails went out', async () => {
      const webhook = await scriptedWebhook([{ status: 503 }]);
      try {
        const deps = depsFor(webhook.url, '#down');
        const error = await sendPacket(
          { ...localSendDeps(twin, clock), config: deps.config, chat: deps },
          ready,
        ).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(RetryableSendError);
        expect((error as RetryableSendError).message).toContain('Slack #down');
      } finally {
        await webhook.close();
      }
    });

    it("records a secret that holds no webhook URL (the stack's placeholder) as permanent, without posting", async () => {
      const [entry] = await postToChats(depsFor('q8#Zr!placeholder-value', '#unset'), packet, ready);
      expect(entry).toMatchObject({
        outcome: 'failed-permanent',
        detail: 'the secret acme/slack-scripted does not hold an https webhook URL (README "Chat")',
      });
      const [plainHttp] = await postToChats(
        depsFor('http://hooks.example/services/x', '#http'),
        packet,
        ready,
      );
      expect(plainHttp?.outcome).toBe('failed-permanent');
    });

    it('never puts the webhook URL in a report, a record or an error', async () => {
      const webhook = await scriptedWebhook([{ status: 403 }]);
      const url = webhook.url;
      await webhook.close();
      // Closed: the host refuses the connection, and every attempt fails to reach it.
      const report = await postToChats(depsFor(url, '#closed'), packet, ready);
      expect(report[0]?.outcome).toBe('failed');
      expect(report[0]?.detail).toMatch(/could not be reached/);
      const records = await twin.store.mailsOf({ cadence: ready.cadence, periodStart: ready.periodStart });
      const text = JSON.stringify({ report, records });
      expect(text).not.toContain('s3cr3t-path-token');
      expect(text).not.toContain('127.0.0.1');
    });
  });
});
