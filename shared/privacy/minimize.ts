import type { ClientConfig } from '../config/schema.ts';
import { emailHashKeyName } from '../config/secrets.ts';
import { ValidationError } from '../errors.ts';
import { keptBody, keptProblems, quarantinedBody } from '../ingest/ingest.ts';
import type { Clock } from '../ports/clock.ts';
import type { Secrets } from '../ports/secrets.ts';
import type { DeliveryKind, QuarantinedDelivery, RawDelivery, Store } from '../ports/store.ts';
import { emailHasher, redactText } from '../privacy.ts';
import { adapterFor } from '../sources/registry.ts';
import { syntaxErrorPosition } from '../sources/wire.ts';
import { FIRST_RECEIPT } from './forget.ts';

export interface MinimizeDeps {
  config: ClientConfig;
  store: Store;
  secrets: Secrets;
  clock: Clock;
}

export interface MinimizeReport {
  read: Record<DeliveryKind, number>;
  rewritten: Record<DeliveryKind, number>;
}

/** An older JSON syntax reason quoted the body (V8's words): only the position is kept. */
function withoutBodyQuote(reason: string): string {
  const quoted = /^body is not JSON: (.*)$/s.exec(reason);
  return quoted ? `body is not JSON${syntaxErrorPosition(new Error(quoted[1]))}` : reason;
}

/**
 * Brings the deliveries an older version kept (whole bodies with only their email addresses
 * redacted) to what ingest keeps now: a body its adapter parses keeps only what the adapter reads;
 * one that does not parse keeps its text with emails and phone numbers redacted, and its reason
 * and problems are redacted too. A delivery already kept this way is left alone, so a second run
 * rewrites nothing. Projections are untouched: they are what the kept bodies replay to.
 */
export async function minimizeKeptDeliveries(deps: MinimizeDeps): Promise<MinimizeReport> {
  const hashEmail = emailHasher(await deps.secrets.get(emailHashKeyName(deps.config)));
  const context = { config: deps.config, hashEmail };
  const report: MinimizeReport = { read: { raw: 0, quarantine: 0 }, rewritten: { raw: 0, quarantine: 0 } };
  const to = deps.clock() + 1;

  const minimal = (delivery: RawDelivery | QuarantinedDelivery, kind: DeliveryKind): string => {
    const adapter = adapterFor(delivery.source);
    if (kind === 'quarantine' || !adapter) return quarantinedBody(delivery.body, hashEmail);
    try {
      adapter.parse(delivery.body, { ...context, receivedAt: delivery.receivedAt });
      return keptBody(adapter, delivery.body, context);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return quarantinedBody(delivery.body, hashEmail);
    }
  };
  const minimize = async (kind: DeliveryKind, delivery: RawDelivery | QuarantinedDelivery) => {
    report.read[kind]++;
    const body = minimal(delivery, kind);
    const problems = keptProblems(delivery.problems, hashEmail);
    const error = 'error' in delivery ? redactText(withoutBodyQuote(delivery.error), hashEmail) : undefined;
    const changed =
      body !== delivery.body ||
      JSON.stringify(problems) !== JSON.stringify(delivery.problems) ||
      ('error' in delivery && error !== delivery.error);
    if (!changed) return;
    await deps.store.replaceDeliveryBody(kind, delivery.deliveryKey, body, {
      problems,
      ...(error !== undefined ? { error } : {}),
    });
    report.rewritten[kind]++;
  };

  for await (const delivery of deps.store.rawDeliveries({ from: FIRST_RECEIPT, to })) {
    await minimize('raw', delivery);
  }
  const firstQuarantinedAt = await deps.store.firstQuarantinedAt();
  if (firstQuarantinedAt !== undefined) {
    for await (const delivery of deps.store.quarantinedDeliveries({ from: firstQuarantinedAt, to })) {
      await minimize('quarantine', delivery);
    }
  }
  return report;
}
