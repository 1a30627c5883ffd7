import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBuildPacketHandler } from '#functions/build-packet/app.ts';
import { observability } from '#functions/lib/observability.ts';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import { importGenericLines } from '#shared/ingest/import.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { exampleConfig } from '../support/config.ts';
import {
  DYNAMO_FAULTS,
  type FaultRule,
  injectFaults,
  networkFault,
  on,
  pkOf,
  tableItems,
} from '../support/faults.ts';
import { SMALL_WEEK_AS_OF, SMALL_WEEK_EVENTS } from '../support/small-week.ts';
import { startTestTwin } from '../support/twin.ts';

const context = { awsRequestId: 'faults', functionName: 'build-packet' } as Context;
const tools = observability('samepage-build-packet');
/** The scheduled run, and EventBridge Scheduler's retry of it a few minutes later. */
const FIRST = Date.parse(SMALL_WEEK_AS_OF);
const RETRY = FIRST + 5 * 60_000;
const PERIOD_START = '2026-11-09T00:00:00-05:00';
/** The run as `samepage send` and a scheduler passing its scheduled time start it. */
const RUN = { client: 'example', cadence: 'weekly', asOf: SMALL_WEEK_AS_OF };

const WEEK = 7 * 24 * 3_600_000;

/**
 * The small week's facts in a running stack: last week's packet was built on schedule, so the
 * definitions in use are already recorded (`running: false` is a stack's very first build).
 */
async function twinWithWeek(running = true): Promise<Twin> {
  const twin = await startTestTwin();
  const summary = await importGenericLines(
    { config: twin.config, store: twin.store, secrets: twin.secrets, clock: () => FIRST - 3_600_000 },
    SMALL_WEEK_EVENTS.map((event) => JSON.stringify(event)),
  );
  expect(summary.skipped).toEqual([]);
  if (running) {
    await buildAndPublishPacket(
      {
        config: twin.config,
        store: twin.store,
        publisher: new InProcessPublisher(),
        clock: () => FIRST - WEEK,
      },
      { client: 'example', cadence: 'weekly' },
    );
  }
  return twin;
}

/** The build-packet Lambda of one container, with the clock of each invocation. */
function buildLambda(twin: Twin) {
  let now = FIRST;
  const publisher = new InProcessPublisher();
  const handler = createBuildPacketHandler(
    { config: exampleConfig(), store: twin.store, publisher, clock: () => now },
    tools,
  );
  return {
    publisher,
    run: (at: number, event: Record<string, unknown> = RUN) => {
      now = at;
      return handler(event, context);
    },
  };
}

/** Paths where two JSON values differ, to name what a rebuilt packet changed. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) =>
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`),
    );
  }
  return Object.is(a, b) ? [] : [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

/** The stored snapshots of this week's packet (last week's is not counted). */
const snapshotItems = async (twin: Twin) =>
  (await tableItems(twin.dynamo.client, LOCAL_TABLE_NAME)).filter(
    (item) => item.pk === `packet#weekly#${PERIOD_START}`,
  );

describe('DynamoDB faults during packet build (dynalite through the AWS SDK, maxAttempts 3)', () => {
  /** The snapshot a fault-free run stores, byte for byte. */
  let reference: string;
  beforeAll(async () => {
    const twin = await twinWithWeek();
    try {
      expect(await buildLambda(twin).run(FIRST)).toMatchObject({ status: 'built', period: PERIOD_START });
      const stored = await twin.store.getPacketSnapshot('weekly', PERIOD_START);
      reference = stored?.packet ?? '';
      expect(reference.length).toBeGreaterThan(1000);
    } finally {
      await twin.close();
    }
  });

  let twin: Twin | undefined;
  afterEach(async () => {
    await twin?.close();
    twin = undefined;
  });

  async function faulted(rules: FaultRule[], running = true) {
    twin = await twinWithWeek(running);
    return { twin, faults: injectFaults(twin.dynamo.client, rules), lambda: buildLambda(twin) };
  }

  /** The handler threw, nothing was stored or published; then the retry builds the reference bytes. */
  async function throwsThenRebuilds(rules: FaultRule[], command: string) {
    const { twin, faults, lambda } = await faulted(rules);
    await expect(lambda.run(FIRST)).rejects.toThrow();
    // The failing request was tried maxAttempts (3) times before the handler gave up.
    expect(faults.attemptsOf(command, 'faulted')).toBe(3);
    expect(await snapshotItems(twin)).toEqual([]);
    expect(lambda.publisher.published).toEqual([]);
    faults.heal();
    const retry = await lambda.run(RETRY);
    expect(retry).toMatchObject({ status: 'built', period: PERIOD_START });
    const stored = await snapshotItems(twin);
    expect(stored).toHaveLength(1);
    expect(differences(JSON.parse(String(stored[0]?.packet)), JSON.parse(reference))).toEqual([]);
    expect(stored[0]?.packet).toBe(reference);
    expect(lambda.publisher.published).toHaveLength(1);
    return faults;
  }

  it('snapshot lookup (GetItem packet#) throttled: throws, then the retry builds the same bytes', async () => {
    await throwsThenRebuilds(
      [{ when: on('GetItemCommand', (pk) => pk.startsWith('packet#')), fault: DYNAMO_FAULTS.throttling }],
      'GetItemCommand',
    );
  });

  it('a fact query (Query on byCreated) throttled: throws, then the retry builds the same bytes', async () => {
    // The loader queries in parallel: only the first byCreated query fails, so its attempts are exact.
    let target: string | undefined;
    await throwsThenRebuilds(
      [
        {
          when: (call) => {
            const input = call.input as { IndexName?: string; ExpressionAttributeValues?: unknown };
            if (call.command !== 'QueryCommand' || input.IndexName !== 'byCreated') return false;
            const bucket = JSON.stringify(input.ExpressionAttributeValues);
            target ??= bucket;
            return bucket === target;
          },
          fault: DYNAMO_FAULTS.throughputExceeded,
        },
      ],
      'QueryCommand',
    );
  });

  it("a stack's first build whose definitions record (PutItem client#definitions) is unavailable: the retry's packet differs only in definitions.since, the time of the first successful build", async () => {
    const { twin, faults, lambda } = await faulted(
      [{ when: on('PutItemCommand', (pk) => pk === 'client#definitions'), fault: DYNAMO_FAULTS.unavailable }],
      false,
    );
    await expect(lambda.run(FIRST)).rejects.toThrow();
    expect(faults.attemptsOf('PutItemCommand', 'faulted')).toBe(3);
    expect(await snapshotItems(twin)).toEqual([]);
    faults.heal();
    expect(await lambda.run(RETRY)).toMatchObject({ status: 'built' });
    const first = await twinWithWeek(false);
    try {
      await buildLambda(first).run(FIRST);
      const clean = JSON.parse(String((await snapshotItems(first))[0]?.packet)) as Packet;
      expect(differences(JSON.parse(String((await snapshotItems(twin))[0]?.packet)), clean)).toEqual([
        '.definitions.since: "2026-11-16T08:05:00-05:00" ≠ "2026-11-16T08:00:00-05:00"',
      ]);
    } finally {
      await first.close();
    }
  });

  it('snapshot conditional put (PutItem packet#) fails: throws, no partial snapshot, the retry builds the same bytes', async () => {
    await throwsThenRebuilds(
      [{ when: on('PutItemCommand', (pk) => pk.startsWith('packet#')), fault: DYNAMO_FAULTS.internal }],
      'PutItemCommand',
    );
  });

  it("the snapshot put's answer is lost after DynamoDB stored it: the SDK's retry meets the condition, the stored packet is the one of record", async () => {
    const { twin, faults, lambda } = await faulted([
      { when: on('PutItemCommand', (pk) => pk.startsWith('packet#')), fault: networkFault(true), times: 1 },
    ]);
    const first = await lambda.run(FIRST);
    expect(first).toMatchObject({ status: 'exists', period: PERIOD_START });
    expect(
      faults.calls.filter((call) => call.command === 'PutItemCommand').map((call) => pkOf(call.input)),
    ).toEqual([`packet#weekly#${PERIOD_START}`, `packet#weekly#${PERIOD_START}`]);
    const stored = await snapshotItems(twin);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.packet).toBe(reference);
    expect(lambda.publisher.published).toHaveLength(1);
  });

  it('the scheduler event carries no asOf: a retry minutes later has the same numbers, but its packet says as of the retry', async () => {
    const { twin, faults, lambda } = await faulted([
      { when: on('PutItemCommand', (pk) => pk.startsWith('packet#')), fault: DYNAMO_FAULTS.internal },
    ]);
    const scheduled = { client: 'example', cadence: 'weekly' };
    await expect(lambda.run(FIRST, scheduled)).rejects.toThrow();
    faults.heal();
    expect(await lambda.run(RETRY, scheduled)).toMatchObject({ status: 'built' });
    const retried = JSON.parse(String((await snapshotItems(twin))[0]?.packet)) as Packet;
    const clean = JSON.parse(reference) as Packet;
    expect({ ...retried, asOf: clean.asOf }).toEqual(clean);
    expect(retried.asOf).not.toBe(clean.asOf);
  });
});
