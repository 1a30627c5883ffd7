import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadClientConfigFile, parseClientConfigText } from '#shared/config/load.ts';
import { definitionsVersion, parseClientConfig } from '#shared/config/parse.ts';
import { ConfigError } from '#shared/errors.ts';
import { EnvironmentSecrets, secretEnvironmentVariable } from '#shared/ports/secrets.ts';
import { EXAMPLE_CONFIG_PATH, problemsOf } from './support/config.ts';

const exampleDocument = () => parseYaml(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;

describe('client config', () => {
  it('accepts the reference example, the shipped example and the demo client', () => {
    const reference = fileURLToPath(new URL('../../shared/examples/client.example.yaml', import.meta.url));
    for (const path of [
      EXAMPLE_CONFIG_PATH,
      fileURLToPath(new URL('../clients/demo.yaml', import.meta.url)),
    ]) {
      expect(loadClientConfigFile(path).client).toMatch(/^[a-z0-9-]+$/);
    }
    // The handed-in reference lives outside the repo; when present it must stay valid too.
    let referenceText: string | undefined;
    try {
      referenceText = readFileSync(reference, 'utf8');
    } catch {
      referenceText = undefined;
    }
    if (referenceText !== undefined) expect(parseClientConfigText(referenceText).client).toBe('acme');
  });

  it('reads the same config from JSON', () => {
    const fromJson = parseClientConfigText(JSON.stringify(exampleDocument()), 'acme.json', 'json');
    expect(fromJson).toEqual(loadClientConfigFile(EXAMPLE_CONFIG_PATH));
  });

  it('names every bad field with what was expected', () => {
    const document = exampleDocument();
    document.timezone = 'Mars/Olympus';
    document.fiscalYearStartMonth = 13;
    (document.recipients as Record<string, unknown>).sales = ['vp-sales(at)acme'];
    (document.qualification as Record<string, unknown>).stage = 'signed';
    (document.businessHours as Record<string, unknown>).start = '9am';
    const problems = problemsOf(document);
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'businessHours.start',
        'fiscalYearStartMonth',
        'qualification.stage',
        'recipients.sales[0]',
        'timezone',
      ].sort(),
    );
    expect(problems.find((p) => p.path === 'timezone')?.message).toMatch(/IANA time zone/);
    expect(problems.find((p) => p.path === 'fiscalYearStartMonth')?.message).toMatch(/<=12/);
    expect(problems.find((p) => p.path === 'qualification.stage')?.message).toMatch(/dealStages\.order/);
  });

  it('refuses a missing section, a wrong type and an unknown source, naming each', () => {
    const document = exampleDocument();
    delete document.dealStages;
    document.currency = 840;
    (document.sources as Record<string, unknown>).marketo = { secret: 'acme/marketo' };
    const problems = problemsOf(document);
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['dealStages', 'currency', 'sources']),
    );
    expect(problems.find((p) => p.path === 'currency')?.message).toMatch(/expected string, received number/);
    expect(problems.find((p) => p.path === 'sources')?.message).toMatch(/marketo/);
  });

  it("takes build-packet's memory from buildPacket.memoryMb (512 when absent) and refuses one Lambda cannot give, naming it", () => {
    expect(parseClientConfig(exampleDocument()).buildPacket.memoryMb).toBe(512);
    const bigger = exampleDocument();
    bigger.buildPacket = { memoryMb: 3008 };
    expect(parseClientConfig(bigger).buildPacket.memoryMb).toBe(3008);
    for (const memoryMb of [256, 20_000, 1024.5]) {
      const document = exampleDocument();
      document.buildPacket = { memoryMb };
      expect(problemsOf(document).map((problem) => problem.path)).toEqual(['buildPacket.memoryMb']);
    }
  });

  it('refuses thresholds that name no metric or cannot be evaluated, and channel values matched twice', () => {
    const document = exampleDocument();
    (document.thresholds as Record<string, unknown>)['mql.velocity'] = {
      good: '>= 1',
      act: '< 0.5',
      owner: 'marketing',
      action: 'x',
    };
    (document.thresholds as Record<string, Record<string, unknown>>)['sla.within_rate'] = {
      good: 'about 90%',
      act: '< 0.75',
      owner: 'sales',
      action: 'x',
    };
    (document.channels as { match: string[] }[])[1]?.match.push('Google-Ads');
    const paths = problemsOf(document).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'thresholds.mql.velocity',
        'thresholds.sla.within_rate.good',
        'channels[1].match[2]',
      ]),
    );
  });

  it('says which file could not be read or parsed', () => {
    expect(() => loadClientConfigFile('/nonexistent/acme.yaml')).toThrow(
      /\/nonexistent\/acme\.yaml[\s\S]*ENOENT/,
    );
    expect(() => parseClientConfigText('client: [unclosed', 'bad.yaml')).toThrow(
      /bad\.yaml[\s\S]*not valid YAML/,
    );
  });

  it('versions the definitions: stable under key order, changed by a definition, not by a recipient', () => {
    const base = parseClientConfig(exampleDocument());
    const reordered = parseClientConfigText(
      toYaml(Object.fromEntries(Object.entries(exampleDocument()).reverse())),
    );
    expect(definitionsVersion(reordered)).toBe(definitionsVersion(base));
    expect(definitionsVersion(base)).toMatch(/^[0-9a-f]{12}$/);

    const moreRecipients = exampleDocument();
    (moreRecipients.recipients as Record<string, string[]>).leadership?.push('cfo@acme.example');
    expect(definitionsVersion(parseClientConfig(moreRecipients))).toBe(definitionsVersion(base));

    const higherBar = exampleDocument();
    (higherBar.qualification as Record<string, unknown>).minAmount = 10000;
    expect(definitionsVersion(parseClientConfig(higherBar))).not.toBe(definitionsVersion(base));
  });
});

describe('secrets', () => {
  it('maps a secret name to its SAMEPAGE_SECRET_ variable (DESIGN.md contract 1)', async () => {
    expect(secretEnvironmentVariable('acme/generic-whsec')).toBe('SAMEPAGE_SECRET_ACME_GENERIC_WHSEC');
    const secrets = new EnvironmentSecrets({ SAMEPAGE_SECRET_ACME_GENERIC_WHSEC: 'whsec_abc' });
    await expect(secrets.get('acme/generic-whsec')).resolves.toBe('whsec_abc');
    await expect(secrets.get('acme/typeform-secret')).rejects.toThrow(/SAMEPAGE_SECRET_ACME_TYPEFORM_SECRET/);
  });
});

describe('roster and labels', () => {
  it('refuses one CRM id claimed by two people, naming the field and the first owner', () => {
    const document = exampleDocument();
    document.people = [
      { name: 'Dana Reyes', team: 'sales', ids: { hubspot: '31000101' } },
      { name: 'Eli Park', team: 'sales', ids: { salesforce: '005A', hubspot: ['7', 31000101] } },
    ];
    expect(problemsOf(document)).toEqual([
      {
        path: 'people[1].ids.hubspot',
        message: 'hubspot id "31000101" already belongs to people[0] (Dana Reyes)',
      },
    ]);
  });

  it('reads unquoted numeric ids as the strings owners carry, and defaults lead to false', () => {
    const document = exampleDocument();
    document.people = [
      { name: 'Eli Park', team: 'sales', ids: { hubspot: 31000102, pipedrive: [9002, '9003'] } },
    ];
    const [person] = parseClientConfig(document).people;
    expect(person).toEqual({
      name: 'Eli Park',
      team: 'sales',
      lead: false,
      ids: { hubspot: '31000102', pipedrive: ['9002', '9003'] },
    });
  });

  it('refuses a label for a channel the mapping does not produce, and an unknown label kind', () => {
    const document = exampleDocument();
    document.labels = { channels: { paid_serach: 'Paid search' }, colours: {} };
    const problems = problemsOf(document);
    expect(problems.map((problem) => problem.path).sort()).toEqual(['labels', 'labels.channels.paid_serach']);
    expect(problems.find((problem) => problem.path === 'labels.channels.paid_serach')?.message).toMatch(
      /expected a channel of the channels mapping \(paid_search, /,
    );
  });

  it('leaves the definitions version alone when only the roster or labels change', () => {
    const document = exampleDocument();
    const before = definitionsVersion(parseClientConfig(document));
    document.people = [];
    document.labels = { reasons: { 'no budget': 'No budget yet' } };
    expect(definitionsVersion(parseClientConfig(document))).toBe(before);
  });
});

describe('a config file and its client', () => {
  it('refuses a file whose client is not its name, saying which to change', () => {
    // clients/globex.yaml copied from the example with its client left in would deploy over that stack.
    const dir = mkdtempSync(join(tmpdir(), 'samepage-clients-'));
    try {
      const copied = join(dir, 'globex.yaml');
      writeFileSync(copied, readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));
      const client = loadClientConfigFile(EXAMPLE_CONFIG_PATH).client;
      let refused: unknown;
      try {
        loadClientConfigFile(copied);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as ConfigError).problems).toEqual([
        {
          path: 'client',
          message: `is "${client}" but the file is globex.yaml: the client names the stack (Samepage-${client}) and its data, so set client: globex, or name the file ${client}.yaml`,
        },
      ]);
      // Renamed to match, the same content loads; so does a .json file named after its client.
      writeFileSync(
        copied,
        readFileSync(EXAMPLE_CONFIG_PATH, 'utf8').replace(/^client: \S+/m, 'client: globex'),
      );
      expect(loadClientConfigFile(copied).client).toBe('globex');
      const json = join(dir, 'initech.json');
      writeFileSync(json, JSON.stringify({ ...exampleDocument(), client: 'initech' }));
      expect(loadClientConfigFile(json).client).toBe('initech');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
