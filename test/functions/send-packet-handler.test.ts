import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observability } from '#functions/lib/observability.ts';
import { createSendPacketHandler } from '#functions/send-packet/app.ts';
import { localSendDeps, startTwin, type Twin } from '#local/twin.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';

const context = { awsRequestId: 'test', functionName: 'send-packet' } as Context;
const outbox = mkdtempSync(join(tmpdir(), 'samepage-send-'));

describe('send-packet handler called as a plain function', () => {
  let twin: Twin;
  const tools = observability('test');
  const clock = () => Date.parse('2026-11-16T13:00:00Z');
  beforeAll(async () => {
    twin = await startTwin({ config: exampleConfig(), secrets: testSecrets(), serve: false, outbox });
    await buildAndPublishPacket(
      { config: twin.config, store: twin.store, publisher: new InProcessPublisher(), clock },
      { client: 'example', cadence: 'weekly' },
    );
  });
  afterAll(async () => {
    await twin.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  /** The EventBridge event the PacketReady rule delivers. */
  const bridgeEvent = (detail: Record<string, unknown>) => ({
    version: '0',
    id: 'e-1',
    'detail-type': 'PacketReady',
    source: 'samepage',
    account: '123456789012',
    time: '2026-11-16T13:00:05Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });
  const ready = {
    type: 'PacketReady',
    client: 'example',
    cadence: 'weekly',
    periodStart: '2026-11-09T00:00:00-05:00',
    definitionsVersion: 'v',
  };

  it('sends the stored packet to the five addresses once, and a redelivered event sends nothing', async () => {
    const handler = createSendPacketHandler(localSendDeps(twin, clock), tools);
    const first = await handler(bridgeEvent(ready), context);
    expect(first.map((entry) => entry.outcome)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    // cmo@ is on the marketing list only; the lists come from clients/example.yaml.
    expect(first.find((entry) => entry.recipient === 'ceo@acme.example')?.lists).toEqual(['leadership']);
    const again = await handler(bridgeEvent(ready), context);
    expect(again.map((entry) => entry.outcome)).toEqual(Array(5).fill('already-sent'));
  });

  it('refuses a malformed event and a packet that was never stored', async () => {
    const handler = createSendPacketHandler(localSendDeps(twin, clock), tools);
    await expect(handler(bridgeEvent({ ...ready, cadence: 'daily' }), context)).rejects.toThrow(/cadence/);
    await expect(
      handler(bridgeEvent({ ...ready, periodStart: '2026-10-05T00:00:00-04:00' }), context),
    ).rejects.toThrow(/no weekly packet stored for 2026-10-05/);
  });
});
