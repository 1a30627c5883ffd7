import type { SourceName } from '../config/schema.ts';
import { genericAdapter } from './generic.ts';
import { hubspotAdapter } from './hubspot.ts';
import { hubspotWorkflowAdapter } from './hubspot-workflow.ts';
import { pipedriveAdapter } from './pipedrive.ts';
import { salesforceAdapter } from './salesforce.ts';
import { typeformAdapter } from './typeform.ts';
import type { SourceAdapter } from './types.ts';

const ADAPTERS: Record<SourceName, SourceAdapter> = {
  hubspot: hubspotAdapter,
  'hubspot-workflow': hubspotWorkflowAdapter,
  salesforce: salesforceAdapter,
  pipedrive: pipedriveAdapter,
  typeform: typeformAdapter,
  generic: genericAdapter,
};

/** The adapter behind `POST /webhooks/{source}`, or undefined for a name samepage does not know. */
export function adapterFor(source: string): SourceAdapter | undefined {
  return Object.hasOwn(ADAPTERS, source) ? ADAPTERS[source as SourceName] : undefined;
}
