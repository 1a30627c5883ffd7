import type { Twin } from '#local/twin.ts';
import { importGenericLines } from '#shared/ingest/import.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher, type PacketReady } from '#shared/ports/publisher.ts';

/**
 * A few facts of the week of Mon 2026-11-09 (New York) for the example client, as generic events:
 * Globex (Software, 850, North America), its VP c-1 who became MQL on Tue 10:00 local and was
 * called an hour later, and deal d-1 that met the bar (qualifiedtobuy, 30,000 USD) on Wed.
 */
export const SMALL_WEEK_EVENTS = [
  {
    type: 'company',
    id: 'co-1',
    at: '2026-11-02T15:00:00Z',
    name: 'Globex',
    industry: 'Software',
    employees: 850,
    region: 'North America',
  },
  {
    type: 'contact',
    id: 'c-1',
    at: '2026-11-10T15:00:00Z',
    companyId: 'co-1',
    seniority: 'vp',
    source: 'linkedin-ads',
    stage: 'mql',
    owner: 'rep-1',
  },
  { type: 'activity', id: 'a-1', at: '2026-11-10T16:00:00Z', contactId: 'c-1', kind: 'call', owner: 'rep-1' },
  {
    type: 'deal',
    id: 'd-1',
    at: '2026-11-11T15:00:00Z',
    companyId: 'co-1',
    contactIds: ['c-1'],
    amount: 30000,
    currency: 'USD',
    stage: 'qualifiedtobuy',
  },
];

/** Monday 08:00 in New York: the weekly packet covers 11-09 to 11-16. */
export const SMALL_WEEK_AS_OF = '2026-11-16T13:00:00Z';

/**
 * The small week imported into a twin and its weekly packet built and published as of
 * SMALL_WEEK_AS_OF: the PacketReady event, after `onReady` handled it (a send, for most tests).
 */
export async function publishSmallWeek(
  twin: Twin,
  onReady: (event: PacketReady) => Promise<void> = async () => {},
): Promise<PacketReady> {
  const clock = () => Date.parse(SMALL_WEEK_AS_OF);
  await importGenericLines(
    { config: twin.config, store: twin.store, secrets: twin.secrets, clock },
    SMALL_WEEK_EVENTS.map((event) => JSON.stringify(event)),
  );
  let ready: PacketReady | undefined;
  const publisher = new InProcessPublisher();
  publisher.subscribe(async (event) => {
    ready = event;
    await onReady(event);
  });
  await buildAndPublishPacket(
    { config: twin.config, store: twin.store, publisher, clock },
    { client: twin.config.client, cadence: 'weekly' },
  );
  if (!ready) throw new Error('no PacketReady was published');
  return ready;
}
