import type { SourceName } from '../config/schema.ts';
import { genericAdapter } from './generic.ts';
import type { SourceAdapter } from './types.ts';

const ADAPTERS: Partial<Record<SourceName, SourceAdapter>> = {
  generic: genericAdapter,
};

/** The adapter behind `POST /webhooks/{source}`, or undefined for a name samepage does not know. */
export function adapterFor(source: string): SourceAdapter | undefined {
  return Object.hasOwn(ADAPTERS, source) ? ADAPTERS[source as SourceName] : undefined;
}
