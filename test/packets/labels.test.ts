import { describe, expect, it } from 'vitest';
import {
  isRosterName,
  keyLabel,
  type LabelDefinitions,
  readable,
  recordName,
} from '#shared/packets/labels.ts';
import { exampleConfig } from '../support/config.ts';

// The example client labels partner_referral and events, and UK&I; its roster is Dana Reyes
// (HubSpot 31000101), Eli Park and Maya Lind.
const config = exampleConfig();
/** The example client with more labels of its own. */
const labelled: LabelDefinitions = {
  people: config.people,
  labels: {
    ...config.labels,
    channels: { ...config.labels.channels, paid_search: 'Google Ads', unmapped: 'Other sources' },
    teams: { partner: 'Partner programme' },
    reasons: { bad_timing: 'Timing: next quarter' },
    values: { ...config.labels.values, '1000-4999': 'Enterprise', c_level: 'C-suite' },
  },
};

describe('readable', () => {
  it('turns a machine value into words and keeps text a person wrote', () => {
    expect(readable('paid_search')).toBe('Paid search');
    expect(readable('bad_timing')).toBe('Bad timing');
    expect(readable('no budget')).toBe('No budget');
    expect(readable('self-serve')).toBe('Self serve');
    expect(readable('mid--market_plus')).toBe('Mid market plus');
    expect(readable('_trial_')).toBe('Trial');
    // Capitals mean a person wrote it: kept as written.
    expect(readable('North America')).toBe('North America');
    expect(readable('UK&I')).toBe('UK&I');
    expect(readable('SaaS_vendors')).toBe('SaaS_vendors');
    // Seniority picklist values that read in capitals.
    expect(readable('vp')).toBe('VP');
    expect(readable('c_level')).toBe('C-level');
    expect(readable('c-level')).toBe('C-level');
    expect(readable('cmo')).toBe('CMO');
  });
});

describe('keyLabel', () => {
  it('names channels: the client label wins, else readable, and unmapped in words', () => {
    expect(keyLabel('channel:partner_referral', config)).toBe('Partner referrals');
    expect(keyLabel('channel:events', config)).toBe('Events and webinars');
    expect(keyLabel('channel:paid_search', config)).toBe('Paid search');
    expect(keyLabel('channel:unmapped', config)).toBe('Unmapped source');
    expect(keyLabel('channel:paid_search', labelled)).toBe('Google Ads');
    expect(keyLabel('channel:unmapped', labelled)).toBe('Other sources');
  });

  it('names teams: the client label wins, else "<team> team", and the unmapped team says why', () => {
    expect(keyLabel('team:partner', labelled)).toBe('Partner programme');
    expect(keyLabel('team:marketing', config)).toBe('Marketing team');
    expect(keyLabel('team:sales', config)).toBe('Sales team');
    expect(keyLabel('team:unmapped', config)).toBe('No team (unmapped source)');
  });

  it('names reasons: a missing one says so, the client label wins, else readable', () => {
    expect(keyLabel('reason:(missing)', config)).toBe('No reason given');
    expect(keyLabel('reason:(missing)', labelled)).toBe('No reason given');
    expect(keyLabel('reason:bad_timing', config)).toBe('Bad timing');
    expect(keyLabel('reason:bad_timing', labelled)).toBe('Timing: next quarter');
    expect(keyLabel('reason:Went with a competitor', config)).toBe('Went with a competitor');
  });

  it('names segments as "Dimension: value", employee bands in employees, client labels first', () => {
    expect(keyLabel('segment:region=North America', config)).toBe('Region: North America');
    expect(keyLabel('segment:region=UK&I', config)).toBe('Region: UK and Ireland');
    expect(keyLabel('segment:industry=Financial Services', config)).toBe('Industry: Financial Services');
    // An en dash (U+2013) between the band's ends.
    expect(keyLabel('segment:employees=200-999', config)).toBe('Company size: 200\u2013999 employees');
    expect(keyLabel('segment:employees=5000+', config)).toBe('Company size: 5000+ employees');
    expect(keyLabel('segment:seniority=c_level', config)).toBe('Seniority: C-level');
    expect(keyLabel('segment:seniority=director', config)).toBe('Seniority: Director');
    expect(keyLabel('segment:employees=1000-4999', labelled)).toBe('Company size: Enterprise');
    expect(keyLabel('segment:seniority=c_level', labelled)).toBe('Seniority: C-suite');
  });

  it('names owners: a roster name as is, an unknown CRM id by its system, unassigned in words', () => {
    expect(keyLabel('owner:Dana Reyes', config)).toBe('Dana Reyes');
    expect(keyLabel('owner:Maya Lind', config)).toBe('Maya Lind');
    expect(keyLabel('owner:hubspot:31000101', config)).toBe('HubSpot user 31000101');
    expect(keyLabel('owner:salesforce:0055e00000Rep99AAA', config)).toBe(
      'Salesforce user 0055e00000Rep99AAA',
    );
    expect(keyLabel('owner:pipedrive:77', config)).toBe('Pipedrive user 77');
    expect(keyLabel('owner:generic:rep-9', config)).toBe('CRM user rep-9');
    expect(keyLabel('owner:unassigned', config)).toBe('Unassigned');
  });

  it('names the amount share row, and makes an unknown family readable', () => {
    expect(keyLabel('amount:share', config)).toBe('Share of the qualified amount');
    expect(keyLabel('stage:closed_won', config)).toBe('Closed won');
  });
});

describe('isRosterName', () => {
  it('knows the names of the roster only', () => {
    expect(isRosterName('Eli Park', config)).toBe(true);
    expect(isRosterName('eli park', config)).toBe(false);
    expect(isRosterName('31000102', config)).toBe(false);
  });
});

describe('recordName', () => {
  it('names a record by its system, kind and own id; a generic record by its id alone', () => {
    expect(recordName('contact', 'hubspot:1002936')).toBe('HubSpot contact 1002936');
    expect(recordName('deal', 'salesforce:0065e00000Deal1AAA')).toBe('Salesforce deal 0065e00000Deal1AAA');
    expect(recordName('company', 'pipedrive:42')).toBe('Pipedrive company 42');
    expect(recordName('contact', 'generic:c-17')).toBe('contact c-17');
    // An id may itself hold a colon: only the first one separates the system.
    expect(recordName('deal', 'generic:crm:deal:9')).toBe('deal crm:deal:9');
  });
});
