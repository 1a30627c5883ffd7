import { createHmac } from 'node:crypto';
import type { FieldProblem } from '../errors.ts';
import type { CanonicalEvent } from '../model/events.ts';
import { emailHasher, redactEmails } from '../privacy.ts';
import { projectEvents } from '../projection/project.ts';
import { MAX_EVENTS_PER_REQUEST, parseGenericEvents } from '../sources/generic.ts';
import { emailHashKeyName, type IngestDeps } from './ingest.ts';

export interface ImportSummary {
  lines: number;
  applied: number;
  /** Rows kept out, with their line number (1-based) and why. */
  skipped: FieldProblem[];
}

/**
 * Backfills generic events from NDJSON (one contract-2 event per line) through the same
 * validation and projection as `POST /webhooks/generic`. A row is applied whole or not at all;
 * each batch is kept as a raw delivery too, so `samepage replay` includes imported history.
 */
export async function importGenericLines(
  deps: IngestDeps,
  lines: AsyncIterable<string> | Iterable<string>,
  onProgress: (summary: ImportSummary) => void = () => {},
): Promise<ImportSummary> {
  const key = await deps.secrets.get(emailHashKeyName(deps.config));
  const hashEmail = emailHasher(key);
  const summary: ImportSummary = { lines: 0, applied: 0, skipped: [] };
  let batch: { line: string; event: CanonicalEvent }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const body = `{"events":[${batch.map((row) => row.line).join(',')}]}`;
    await deps.store.putRawDelivery({
      deliveryKey: createHmac('sha256', key).update('import\n').update(body).digest('hex').slice(0, 40),
      source: 'generic',
      receivedAt: deps.clock(),
      contentType: 'application/json',
      body: redactEmails(body, hashEmail),
      problems: [],
    });
    await projectEvents(
      deps.store,
      deps.config,
      batch.map((row) => row.event),
    );
    summary.applied += batch.length;
    batch = [];
    onProgress(summary);
  };

  for await (const raw of lines) {
    summary.lines++;
    const line = raw.trim();
    if (line === '') continue;
    let document: unknown;
    try {
      document = JSON.parse(line);
    } catch (error) {
      summary.skipped.push({
        path: `line ${summary.lines}`,
        message: `not JSON: ${(error as Error).message}`,
      });
      continue;
    }
    const { events, problems } = parseGenericEvents([document], { config: deps.config, hashEmail });
    const event = events[0];
    if (!event || problems.length > 0) {
      for (const problem of problems) {
        summary.skipped.push({
          path: `line ${summary.lines}`,
          message: `${problem.path.replace(/^events\[0\]\.?/, '')}: ${problem.message}`,
        });
      }
      continue;
    }
    batch.push({ line, event });
    if (batch.length === MAX_EVENTS_PER_REQUEST) await flush();
  }
  await flush();
  return summary;
}
