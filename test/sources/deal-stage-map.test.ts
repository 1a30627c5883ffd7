import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { canonicalDealStage } from '#shared/sources/mapping.ts';
import { exampleConfig } from '../support/config.ts';

/** The example client with a stage map on each CRM, the same raw value "7" mapped differently by each. */
function mappedConfig(): ClientConfig {
  const config = exampleConfig();
  const hubspot = config.sources.hubspot;
  if (!hubspot) throw new Error('the example config has no hubspot source');
  config.sources.hubspot = {
    ...hubspot,
    stages: { '7': 'qualifiedtobuy', '12345678': 'presentationscheduled' },
  };
  config.sources.salesforce = {
    organizationId: '00Dxx0000001gEREAY',
    pathSecret: 'acme/salesforce-token',
    stages: { '7': 'contractsent', 'Closed Won': 'closedwon' },
  };
  config.sources.pipedrive = { basicAuth: 'acme/pipedrive-basic-auth', stages: { '7': 'closedlost' } };
  return config;
}

describe('canonicalDealStage', () => {
  it("reads a value through the stage map of the deal's CRM, chosen by the id's prefix", () => {
    const config = mappedConfig();
    expect(canonicalDealStage(config, 'hubspot:7101', '7')).toBe('qualifiedtobuy');
    expect(canonicalDealStage(config, 'hubspot:7101', '12345678')).toBe('presentationscheduled');
    expect(canonicalDealStage(config, 'salesforce:0065e00000DDDDDD10', '7')).toBe('contractsent');
    expect(canonicalDealStage(config, 'salesforce:0065e00000DDDDDD10', 'Closed Won')).toBe('closedwon');
    expect(canonicalDealStage(config, 'pipedrive:31', '7')).toBe('closedlost');
    // One system's map never reads another's values.
    expect(canonicalDealStage(config, 'pipedrive:31', '12345678')).toBe('12345678');
    expect(canonicalDealStage(config, 'hubspot:7101', 'Closed Won')).toBe('Closed Won');
  });

  it('leaves the ids of a system with no stage map (generic) untouched', () => {
    const config = mappedConfig();
    expect(canonicalDealStage(config, 'generic:d-1', '7')).toBe('7');
    expect(canonicalDealStage(config, 'generic:d-1', 'Closed Won')).toBe('Closed Won');
    expect(canonicalDealStage(config, 'generic:d-1', 'closedwon')).toBe('closedwon');
  });

  it('passes a value that is already a stage name, or one no map names, as it is', () => {
    const config = mappedConfig();
    for (const id of ['hubspot:7101', 'salesforce:0065e00000DDDDDD10', 'pipedrive:31']) {
      expect(canonicalDealStage(config, id, 'contractsent')).toBe('contractsent');
      expect(canonicalDealStage(config, id, 'closedwon')).toBe('closedwon');
      expect(canonicalDealStage(config, id, '99999999')).toBe('99999999');
    }
    // No map at all (clients/example.yaml sets none): every value as it is.
    expect(canonicalDealStage(exampleConfig(), 'hubspot:7101', '7')).toBe('7');
    expect(canonicalDealStage(exampleConfig(), 'pipedrive:31', '7')).toBe('7');
  });

  it("lays the hubspot-workflow map over the app's map for every hubspot deal", () => {
    const config = mappedConfig();
    const workflow = config.sources['hubspot-workflow'];
    if (!workflow) throw new Error('the example config has no hubspot-workflow source');
    config.sources['hubspot-workflow'] = { ...workflow, stages: { '7': 'decisionmakerboughtin' } };
    expect(canonicalDealStage(config, 'hubspot:7101', '7')).toBe('decisionmakerboughtin');
    // An id only the app's map names still reads through it.
    expect(canonicalDealStage(config, 'hubspot:7101', '12345678')).toBe('presentationscheduled');
    // The workflow map is HubSpot's: it reads no other system's values.
    expect(canonicalDealStage(config, 'pipedrive:31', '7')).toBe('closedlost');
  });

  it('does not map an inherited object key', () => {
    expect(canonicalDealStage(mappedConfig(), 'hubspot:7101', 'toString')).toBe('toString');
  });
});

describe('canonicalDealStage edge cases', () => {
  it('reads a map changed after an earlier read, and maps nothing for an id without a system', () => {
    const config = exampleConfig();
    expect(canonicalDealStage(config, 'pipedrive:5', '7')).toBe('7');
    config.sources.pipedrive = { basicAuth: 'acme/pd', stages: { '7': 'qualifiedtobuy' } };
    expect(canonicalDealStage(config, 'pipedrive:5', '7')).toBe('qualifiedtobuy');
    expect(canonicalDealStage(config, 'pipedrivex', '7')).toBe('7');
  });
});
