import { createHmac } from 'node:crypto';
import { emailHashKeyName } from '../config/secrets.ts';
import type { FieldProblem } from '../errors.ts';
import type { CanonicalEvent } from '../model/events.ts';
import { emailHasher } from '../privacy.ts';
import { projectEvents } from '../projection/project.ts';
import { genericAdapter, MAX_EVENTS_PER_REQUEST, parseGenericEvents } from '../sources/generic.ts';
import { syntaxErrorPosition } from '../sources/wire.ts';
import { canonicalEvents } from './canonical.ts';
import { type IngestDeps, keptBody } from './ingest.ts';

export interface ImportSummary {
  /** Rows read (lines of NDJSON, records of a CSV). */
  lines: number;
  /** Rows applied. */
  applied: number;
  /** Events those rows stood for. */
  events: number;
  /** Rows kept out, with their line number (1-based) and why. */
  skipped: FieldProblem[];
}

/**
 * One row of a backfill file: the generic events (DESIGN.md contract 2) it stands for, or why it
 * cannot be used. Every format is turned into generic events, so one validation serves them all.
 */
export type ImportRow = { line: number; events: unknown[] } | { line: number; problem: string };

/**
 * Applies backfill rows through the same validation and projection as `POST /webhooks/generic`.
 * A row is applied whole or not at all. Each batch is kept as a raw generic delivery (what the
 * generic adapter keeps, emails as tokens), so `samepage replay` includes imported history.
 */
export async function importRows(
  deps: IngestDeps,
  rows: AsyncIterable<ImportRow> | Iterable<ImportRow>,
  onProgress: (summary: ImportSummary) => void = () => {},
): Promise<ImportSummary> {
  const key = await deps.secrets.get(emailHashKeyName(deps.config));
  const hashEmail = emailHasher(key);
  const summary: ImportSummary = { lines: 0, applied: 0, events: 0, skipped: [] };
  let batch: { json: string; event: CanonicalEvent }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const body = `{"events":[${batch.map((item) => item.json).join(',')}]}`;
    await deps.store.putRawDelivery({
      deliveryKey: createHmac('sha256', key).update('import\n').update(body).digest('hex').slice(0, 40),
      source: 'generic',
      receivedAt: deps.clock(),
      contentType: 'application/json',
      body: keptBody(genericAdapter, body, { config: deps.config, hashEmail }),
      problems: [],
    });
    await projectEvents(
      deps.store,
      deps.config,
      batch.map((item) => item.event),
    );
    summary.events += batch.length;
    batch = [];
    onProgress(summary);
  };

  for await (const row of rows) {
    summary.lines = Math.max(summary.lines, row.line);
    if ('problem' in row) {
      summary.skipped.push({ path: `line ${row.line}`, message: row.problem });
      continue;
    }
    const parsed = parseGenericEvents(row.events, { config: deps.config, hashEmail });
    // The same gate as a live delivery: a row is applied whole or not at all.
    const { events, problems } = canonicalEvents(parsed.events, parsed.problems, hashEmail);
    if (problems.length > 0 || events.length !== row.events.length) {
      for (const problem of problems) {
        summary.skipped.push({
          path: `line ${row.line}`,
          message: `${problem.path.replace(/^events\[\d+\]\.?/, '')}: ${problem.message}`,
        });
      }
      continue;
    }
    summary.applied++;
    events.forEach((event, index) => {
      batch.push({ json: JSON.stringify(row.events[index]), event });
    });
    if (batch.length >= MAX_EVENTS_PER_REQUEST) await flush();
  }
  await flush();
  return summary;
}

/** NDJSON lines, one contract-2 event each, as import rows. */
export async function* genericLineRows(
  lines: AsyncIterable<string> | Iterable<string>,
): AsyncIterable<ImportRow> {
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = raw.trim();
    if (text === '') continue;
    try {
      yield { line, events: [JSON.parse(text) as unknown] };
    } catch (error) {
      yield { line, problem: `not JSON${syntaxErrorPosition(error)}` };
    }
  }
}

/** Backfills generic events from NDJSON (see importRows). */
export function importGenericLines(
  deps: IngestDeps,
  lines: AsyncIterable<string> | Iterable<string>,
  onProgress?: (summary: ImportSummary) => void,
): Promise<ImportSummary> {
  return importRows(deps, genericLineRows(lines), onProgress);
}
