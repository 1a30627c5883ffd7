/**
 * The demo client's three packets as email: HTML size against Gmail's 102 KB clip and render
 * time (median of RENDERS renders in this process, after one warm-up render).
 */
import { performance } from 'node:perf_hooks';
import { startTwin } from '#local/twin.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { renderPacketEmail } from '#shared/email/render.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { median } from '#shared/stats/index.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { BENCH_AS_OF } from './packets.ts';
import { generateDataset, loadStates } from './support/dataset.ts';
import { isMain } from './support/main.ts';

const RENDERS = 5;

export interface EmailResult {
  cadence: Cadence;
  htmlBytes: number;
  textBytes: number;
  csvBytes: number;
  renderMs: number;
}

export async function measureEmail(): Promise<{ contacts: number; results: EmailResult[] }> {
  const config = resolveClientConfig('demo');
  const dataset = generateDataset(config, undefined, BENCH_AS_OF);
  const twin = await startTwin({ config, serve: false });
  try {
    await loadStates(twin, config, dataset.states);
    const results: EmailResult[] = [];
    for (const cadence of CADENCES) {
      const asOf = BENCH_AS_OF.getTime();
      const packet = buildPacket(await loadFacts(twin.store, config, cadence, asOf), config, cadence, asOf);
      let email = await renderPacketEmail(packet, config.currency);
      const times: number[] = [];
      for (let run = 0; run < RENDERS; run++) {
        const started = performance.now();
        email = await renderPacketEmail(packet, config.currency);
        times.push(performance.now() - started);
      }
      results.push({
        cadence,
        htmlBytes: Buffer.byteLength(email.html, 'utf8'),
        textBytes: Buffer.byteLength(email.text, 'utf8'),
        csvBytes: Buffer.byteLength(email.csv, 'utf8'),
        renderMs: median(times) ?? Number.NaN,
      });
    }
    return { contacts: dataset.truth.contacts, results };
  } finally {
    await twin.close();
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await measureEmail(), null, 2));
