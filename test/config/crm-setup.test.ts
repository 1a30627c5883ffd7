import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadClientConfigFile } from '#shared/config/load.ts';
import { canonicalJson, definitionsOf, definitionsVersion, parseClientConfig } from '#shared/config/parse.ts';
import { ConfigError } from '#shared/errors.ts';
import { EXAMPLE_CONFIG_PATH, problemsOf } from '../support/config.ts';

// The keys added for real CRM setups: stage and field maps checked against the canonical model,
// regions, counted pipelines and plan exchange rates.

/** The example's sources, each a mapping a test may add keys to. */
type Document = Record<string, unknown> & {
  sources: Record<'hubspot' | 'hubspot-workflow' | 'salesforce' | 'pipedrive', Record<string, unknown>>;
};

const exampleDocument = () => parseYaml(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Document;

const DEAL_STAGES =
  'appointmentscheduled, qualifiedtobuy, presentationscheduled, decisionmakerboughtin, contractsent, closedwon, closedlost';
const CONTACT_FIELDS =
  'companyId, industry, employees, region, country, title, seniority, source, owner, stage, reason, emailHash';
const COMPANY_FIELDS = 'name, domain, industry, employees, region, country, tech';
const DEAL_FIELDS =
  'companyId, contactIds, amount, currency, homeAmount, stage, closeDate, probability, forecastCategory, pipeline, source, owner, reason';

const byPath = (problems: { path: string; message: string }[]) =>
  [...problems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

describe('field maps, checked when the config loads', () => {
  it('refuses a target that is not a field of the object, naming the entry and the fields it may take', () => {
    const document = exampleDocument();
    document.sources.hubspot.properties = { contact: { hs_deal_amount: 'amount' } };
    document.sources.salesforce.fields = { Lead: { Industry: 'industy' } };
    document.sources.pipedrive.fields = { deal: { is_deleted: 'deleted' } };
    document.sources['hubspot-workflow'] = {
      secret: 'acme/hubspot-client-secret',
      objectType: 'company',
      properties: { amount: 'amount' },
    };

    const problems = problemsOf(document);

    expect(byPath(problems)).toEqual([
      {
        path: 'sources.hubspot-workflow.properties.amount',
        message: `"amount" is not a company field; expected one of ${COMPANY_FIELDS}`,
      },
      {
        path: 'sources.hubspot.properties.contact.hs_deal_amount',
        message: `"amount" is not a contact field; expected one of ${CONTACT_FIELDS}`,
      },
      {
        path: 'sources.pipedrive.fields.deal.is_deleted',
        message: `"deleted" is not a deal field; expected one of ${DEAL_FIELDS}`,
      },
      {
        path: 'sources.salesforce.fields.Lead.Industry',
        message: `"industy" is not a contact field; expected one of ${CONTACT_FIELDS}`,
      },
    ]);
  });

  it("checks a workflow's properties against its default objectType, contact", () => {
    const document = exampleDocument();
    document.sources['hubspot-workflow'] = {
      secret: 'acme/hubspot-client-secret',
      properties: { dealname: 'pipeline' },
    };

    expect(problemsOf(document)).toEqual([
      {
        path: 'sources.hubspot-workflow.properties.dealname',
        message: `"pipeline" is not a contact field; expected one of ${CONTACT_FIELDS}`,
      },
    ]);
  });

  it("accepts each object's own fields, a lead's inline company facts and the deal's home amount included", () => {
    const document = exampleDocument();
    document.sources.hubspot.properties = {
      contact: { jobtitle: 'title', hs_lead_status: 'stage' },
      company: { numberofemployees: 'employees', country: 'country' },
      deal: { amount_in_home_currency: 'homeAmount', pipeline: 'pipeline' },
    };
    document.sources.salesforce.fields = {
      Lead: { Industry: 'industry', NumberOfEmployees: 'employees', Country: 'country' },
      Opportunity: { StageName: 'stage' },
      Task: { Type: 'kind' },
    };
    document.sources.pipedrive.fields = { deal: { value: 'amount' }, person: { job_title: 'title' } };
    document.sources['hubspot-workflow'] = {
      secret: 'acme/hubspot-client-secret',
      objectType: 'deal',
      properties: { amount: 'amount' },
    };

    const { sources } = parseClientConfig(document);

    expect(sources.salesforce?.fields?.Lead).toEqual({
      Industry: 'industry',
      NumberOfEmployees: 'employees',
      Country: 'country',
    });
    expect(sources.hubspot?.properties?.deal).toEqual({
      amount_in_home_currency: 'homeAmount',
      pipeline: 'pipeline',
    });
    expect(sources['hubspot-workflow']?.properties).toEqual({ amount: 'amount' });
  });
});

describe('stage maps, checked when the config loads', () => {
  it("refuses every CRM's stage target that is not one of dealStages, listing the stages", () => {
    const document = exampleDocument();
    document.sources.hubspot.stages = { '12345678': 'discovery' };
    document.sources['hubspot-workflow'] = {
      secret: 'acme/hubspot-client-secret',
      stages: { '12345679': 'Qualified' },
    };
    document.sources.salesforce.stages = { 'Closed Won': 'won' };
    document.sources.pipedrive.stages = { '7': 'closed-lost' };

    const problems = problemsOf(document);

    expect(byPath(problems)).toEqual([
      {
        path: 'sources.hubspot-workflow.stages.12345679',
        message: `"Qualified" is not one of dealStages (${DEAL_STAGES})`,
      },
      {
        path: 'sources.hubspot.stages.12345678',
        message: `"discovery" is not one of dealStages (${DEAL_STAGES})`,
      },
      {
        path: 'sources.pipedrive.stages.7',
        message: `"closed-lost" is not one of dealStages (${DEAL_STAGES})`,
      },
      {
        path: 'sources.salesforce.stages.Closed Won',
        message: `"won" is not one of dealStages (${DEAL_STAGES})`,
      },
    ]);
  });

  it('accepts targets from dealStages.order, won and lost, and a HubSpot home currency', () => {
    const document = exampleDocument();
    document.sources.hubspot.stages = { '12345678': 'appointmentscheduled', '12345680': 'closedwon' };
    document.sources.hubspot.homeCurrency = 'EUR';
    document.sources.salesforce.stages = { 'Closed Lost': 'closedlost', Negotiation: 'contractsent' };
    document.sources.pipedrive.stages = { '7': 'qualifiedtobuy' };

    const { sources } = parseClientConfig(document);

    expect(sources.hubspot?.stages).toEqual({ '12345678': 'appointmentscheduled', '12345680': 'closedwon' });
    expect(sources.hubspot?.homeCurrency).toBe('EUR');
    expect(sources.salesforce?.stages).toEqual({ 'Closed Lost': 'closedlost', Negotiation: 'contractsent' });
    expect(sources.pipedrive?.stages).toEqual({ '7': 'qualifiedtobuy' });
  });

  it('refuses a HubSpot home currency that is not an ISO code', () => {
    const document = exampleDocument();
    document.sources.hubspot.homeCurrency = 'euro';

    expect(problemsOf(document)).toEqual([
      { path: 'sources.hubspot.homeCurrency', message: 'expected an ISO 4217 code such as "USD"' },
    ]);
  });

  it('refuses a Pipedrive stage id that is not a number, naming it', () => {
    const document = exampleDocument();
    document.sources.pipedrive.stages = { won: 'closedwon' };

    expect(problemsOf(document).map((problem) => problem.path)).toEqual(['sources.pipedrive.stages.won']);
  });
});

describe('regions', () => {
  it('refuses a country already in another region, whatever its case', () => {
    const document = exampleDocument();
    document.regions = { 'UK&I': ['United Kingdom', 'Ireland'], Europe: ['Germany', 'IRELAND'] };

    expect(problemsOf(document)).toEqual([
      {
        path: 'regions.Europe[1]',
        message: '"IRELAND" is already in region "UK&I" (matching is case-insensitive)',
      },
    ]);
  });

  it('refuses a region with no countries', () => {
    const document = exampleDocument();
    document.regions = { 'North America': [] };

    const [problem, ...others] = problemsOf(document);

    expect(others).toEqual([]);
    expect(problem?.path).toBe('regions.North America');
    expect(problem?.message).toMatch(/>=1 items/);
  });

  it('accepts regions of distinct countries', () => {
    const document = exampleDocument();
    document.regions = { 'North America': ['US', 'Canada'], 'UK&I': ['United Kingdom', 'Ireland'] };

    expect(parseClientConfig(document).regions).toEqual({
      'North America': ['US', 'Canada'],
      'UK&I': ['United Kingdom', 'Ireland'],
    });
  });
});

describe('exchange rates', () => {
  it('refuses a key that is not a fiscal year, a currency that is not a code and a rate that is not positive', () => {
    const document = exampleDocument();
    document.exchangeRates = { '2026': { EUR: 1.08 }, FY2027: { eur: 1.1, GBP: 0, JPY: -0.0067 } };

    const problems = byPath(problemsOf(document));

    expect(problems.map((problem) => problem.path)).toEqual([
      'exchangeRates.2026',
      'exchangeRates.FY2027.GBP',
      'exchangeRates.FY2027.JPY',
      'exchangeRates.FY2027.eur',
    ]);
    expect(problems[1]?.message).toMatch(/expected number to be >0/);
    expect(problems[2]?.message).toMatch(/expected number to be >0/);
  });

  // zod reports a record key that fails its schema as "Invalid key in record", with the key
  // schema's own message nested; the ConfigError shows the nested one.
  it('says what a fiscal-year key and a currency key are expected to look like', () => {
    const document = exampleDocument();
    document.exchangeRates = { '2026': { EUR: 1.08 }, FY2027: { eur: 1.1 } };

    const problems = byPath(problemsOf(document));

    expect(problems).toEqual([
      { path: 'exchangeRates.2026', message: 'expected a fiscal year such as "FY2026"' },
      { path: 'exchangeRates.FY2027.eur', message: 'expected an ISO 4217 code such as "USD"' },
    ]);
  });

  it("refuses a rate for the client's own currency", () => {
    const document = exampleDocument();
    document.exchangeRates = { FY2026: { EUR: 1.08, USD: 1 } };

    expect(problemsOf(document)).toEqual([
      {
        path: 'exchangeRates.FY2026.USD',
        message: "USD is the client's own currency: its rate is always 1; leave it out",
      },
    ]);
  });

  it('accepts plan rates per fiscal year', () => {
    const document = exampleDocument();
    document.exchangeRates = { FY2026: { EUR: 1.08, GBP: 1.27 }, FY2027: { EUR: 1.1 } };

    expect(parseClientConfig(document).exchangeRates).toEqual({
      FY2026: { EUR: 1.08, GBP: 1.27 },
      FY2027: { EUR: 1.1 },
    });
  });
});

describe('counted pipelines', () => {
  it('refuses an empty list of counted pipelines and an unknown key', () => {
    const empty = exampleDocument();
    empty.pipelines = { count: [] };
    const misspelt = exampleDocument();
    misspelt.pipelines = { count: ['default'], counted: ['renewals'] };

    const [emptyProblem, ...others] = problemsOf(empty);
    const [misspeltProblem] = problemsOf(misspelt);

    expect(others).toEqual([]);
    expect(emptyProblem?.path).toBe('pipelines.count');
    expect(emptyProblem?.message).toMatch(/expected array to have >=1 items/);
    expect(misspeltProblem?.path).toBe('pipelines');
    expect(misspeltProblem?.message).toMatch(/counted/);
  });

  it('accepts the pipelines that are new business', () => {
    const document = exampleDocument();
    document.pipelines = { count: ['default', '87654321'] };

    expect(parseClientConfig(document).pipelines).toEqual({ count: ['default', '87654321'] });
  });
});

describe('definitions version and the new keys', () => {
  // DEFINITION_KEYS before regions, pipelines and exchangeRates were added: a client that uses none
  // of them must keep the version its packets already carry.
  const EARLIER_KEYS = [
    'timezone',
    'currency',
    'fiscalYearStartMonth',
    'weekStartsOn',
    'businessHours',
    'channels',
    'lifecycle',
    'dealStages',
    'qualification',
    'icp',
    'sla',
    'cycles',
    'targets',
    'thresholds',
  ] as const;

  it('is unchanged for a config that uses none of the new keys', () => {
    const config = parseClientConfig(exampleDocument());
    const earlier = Object.fromEntries(EARLIER_KEYS.map((key) => [key, config[key]]));

    const version = definitionsVersion(config);

    expect(version).toBe(createHash('sha256').update(canonicalJson(earlier)).digest('hex').slice(0, 12));
    expect(Object.keys(JSON.parse(canonicalJson(definitionsOf(config)))).sort()).toEqual(
      [...EARLIER_KEYS].sort(),
    );
  });

  it('changes when regions, pipelines or exchange rates are added, each to its own version', () => {
    const base = definitionsVersion(parseClientConfig(exampleDocument()));
    const additions = {
      regions: { 'UK&I': ['United Kingdom', 'Ireland'] },
      pipelines: { count: ['default'] },
      exchangeRates: { FY2026: { EUR: 1.08 } },
    };

    const versions = Object.entries(additions).map(([key, value]) =>
      definitionsVersion(parseClientConfig({ ...exampleDocument(), [key]: value })),
    );

    expect(new Set([base, ...versions]).size).toBe(4);
  });

  it('changes when a source maps deal stages, since the map decides which stages are past the bar', () => {
    const base = definitionsVersion(parseClientConfig(exampleDocument()));
    const withMap = (stage: string) => {
      const document = exampleDocument();
      document.sources.hubspot.stages = { '12345678': stage };
      return definitionsVersion(parseClientConfig(document));
    };

    expect(withMap('qualifiedtobuy')).not.toBe(base);
    expect(withMap('contractsent')).not.toBe(withMap('qualifiedtobuy'));
  });

  it('changes when a plan rate changes', () => {
    const at = (rate: number) =>
      definitionsVersion(
        parseClientConfig({ ...exampleDocument(), exchangeRates: { FY2026: { EUR: rate } } }),
      );

    expect(at(1.1)).not.toBe(at(1.08));
  });
});

describe('clients/example.yaml', () => {
  it('documents each new key commented out, and each parses once uncommented', () => {
    const text = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
    const uncommented = text.replace(
      /^(\s*)# (stages|homeCurrency|regions|pipelines|exchangeRates): /gm,
      (_line, indent: string, key: string) => `${indent}${key}: `,
    );

    const config = parseClientConfig(parseYaml(uncommented));

    expect(parseClientConfig(parseYaml(text)).regions).toBeUndefined();
    expect(config.sources.hubspot?.stages).toBeDefined();
    expect(config.sources.hubspot?.homeCurrency).toMatch(/^[A-Z]{3}$/);
    expect(config.sources.salesforce?.stages).toBeDefined();
    expect(config.regions).toBeDefined();
    expect(config.pipelines?.count).toEqual(['default']);
    expect(config.exchangeRates?.FY2026).toEqual({ EUR: 1.08, GBP: 1.27 });
  });
});

describe('the file loader the samepage CLI and cdk synth use', () => {
  it('names the bad map entry by its path in the error message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samepage-config-'));
    try {
      const document = exampleDocument();
      document.sources.salesforce.fields = { Lead: { Industry: 'industy' } };
      const path = join(dir, `${document.client}.yaml`);
      writeFileSync(path, toYaml(document));

      let refused: unknown;
      try {
        loadClientConfigFile(path);
      } catch (error) {
        refused = error;
      }

      expect(refused).toBeInstanceOf(ConfigError);
      const { message } = refused as ConfigError;
      expect(message).toContain(`Invalid client config ${path}:`);
      expect(message).toContain(
        '  - sources.salesforce.fields.Lead.Industry: "industy" is not a contact field; expected one of ',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
