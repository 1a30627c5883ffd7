import * as z from 'zod';
import { isMetricId } from '../metrics/registry.ts';
import type { EntityType } from '../model/events.ts';
import { mappableFields, PIPEDRIVE_OBJECTS, SALESFORCE_OBJECTS } from '../sources/objects.ts';

/**
 * The client config contract (DESIGN.md contract 1, ../shared/examples/client.example.yaml).
 * Keys may be added; the contract's keys keep their names and meanings.
 */

/** build-packet's memory unless the client config sets `buildPacket.memoryMb` (bench/RESULTS.md: a quarterly packet at 1M events a year fits). */
export const BUILD_PACKET_MEMORY_MB = 512;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockTime = z.string().regex(CLOCK, 'expected a 24-hour time "HH:MM"');

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date "YYYY-MM-DD"')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'expected a real calendar date');

const timezone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "America/New_York"');

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_NAME_EXPECTED = 'expected a secret name (letters, digits and /_+=.@-)';

/** A secret's name (never its value): resolved by the Secrets port. */
const secretName = z.string().regex(SECRET_NAME, SECRET_NAME_EXPECTED);

/** One chat channel: its name (for people and records) and the secret holding its webhook URL. */
const chatDestination = z.strictObject({
  name: z.string().regex(/^[#\w .-]{1,80}$/, 'expected a channel name (letters, digits, #, space, . _ -)'),
  webhook: secretName,
  cadences: z
    .array(z.enum(['weekly', 'monthly', 'quarterly']))
    .min(1)
    .optional(),
});

/** A secret's name that must be there; `why` is what the config error says when it is missing. */
function requiredSecretName(why: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `required: ${why}` : undefined) })
    .regex(SECRET_NAME, SECRET_NAME_EXPECTED);
}

const email = z.email('expected an email address');

/** `Display Name <address@domain>` or a bare address. */
const sender = z.string().refine((value) => {
  const match = /^(?:[^<>]*<([^<>]+)>|([^<>\s]+))$/.exec(value.trim());
  const address = match?.[1] ?? match?.[2];
  return address !== undefined && email.safeParse(address).success;
}, 'expected "Name <address@domain>" or an email address');

const team = z.enum(['marketing', 'sales', 'partner']);
const owner = z.enum(['marketing', 'sales', 'both']);
const positiveInt = z.number().int().positive();
const fieldMap = z.record(z.string().min(1), z.string().min(1));
/** A CRM's deal stage values (ids or labels) → the client's `dealStages` names. */
const stageMap = z.record(z.string().min(1), z.string().min(1));
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "USD"');

/** A threshold condition: `>= 0.30`, `< 0.8 * target_pace`, `<= previous_mean`. */
export const CONDITION_PATTERN =
  /^(>=|<=|>|<)\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?(\d+(?:\.\d+)?|target_pace|previous_mean)$/;
const condition = z
  .string()
  .regex(
    CONDITION_PATTERN,
    'expected a condition like ">= 0.30", "< 0.8 * target_pace" or "<= previous_mean"',
  );

/** How a source's silence is judged (DESIGN.md "never send a packet built on broken data"). */
const freshnessKeys = {
  /** The longest silence, in business hours, before the source counts as broken; defaults per kind. */
  maxSilenceBusinessHours: z.number().positive().optional(),
  /** A packet built while this source is broken is held (not sent) or sent with a banner. */
  onSilence: z.enum(['hold', 'warn']).optional(),
};

const sourceSchemas = {
  hubspot: z.strictObject({
    ...freshnessKeys,
    portalId: positiveInt,
    clientSecret: secretName,
    /** The public URL HubSpot calls; signatures are computed over it when the stack sits behind a proxy. */
    canonicalUrl: z.url().optional(),
    properties: z
      .strictObject({ contact: fieldMap.optional(), company: fieldMap.optional(), deal: fieldMap.optional() })
      .optional(),
    /** Deal stage ids (custom pipelines use numbers such as "12345678") → the client's deal stages. */
    stages: stageMap.optional(),
    /**
     * The portal's company currency, in which HubSpot reports `amount_in_home_currency`; defaults
     * to the client's. The home amount is used only when it is in the client's currency.
     */
    homeCurrency: currencyCode.optional(),
  }),
  'hubspot-workflow': z.strictObject({
    ...freshnessKeys,
    secret: secretName,
    /**
     * The portal whose records the workflow sends; defaults to `sources.hubspot.portalId`. A body
     * that names another portal is quarantined: the app secret that signs it is shared by every
     * portal that installed the app.
     */
    portalId: positiveInt.optional(),
    canonicalUrl: z.url().optional(),
    objectType: z.enum(['contact', 'company', 'deal']).default('contact'),
    properties: fieldMap.optional(),
    /** Deal stage ids → the client's deal stages; defaults to `sources.hubspot.stages`. */
    stages: stageMap.optional(),
  }),
  salesforce: z.strictObject({
    ...freshnessKeys,
    organizationId: z
      .string()
      .regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, 'expected a 15- or 18-character Salesforce org id'),
    /** The secret expected as `?token=` on the endpoint URL (compared in constant time). */
    pathSecret: requiredSecretName(
      'the name of the secret Salesforce must send as ?token= on the endpoint URL. An outbound message carries no signature and its OrganizationId is public (every Web-to-Lead form prints it as "oid"), so without this shared secret anyone could post records as your org',
    ),
    fields: z
      .strictObject({
        Lead: fieldMap.optional(),
        Contact: fieldMap.optional(),
        Account: fieldMap.optional(),
        Opportunity: fieldMap.optional(),
        Task: fieldMap.optional(),
        Event: fieldMap.optional(),
      })
      .optional(),
    /** Opportunity StageName values → the client's deal stages (names already in dealStages pass as they are). */
    stages: stageMap.optional(),
  }),
  pipedrive: z.strictObject({
    ...freshnessKeys,
    /** Secret holding "user:password" for HTTP Basic auth. */
    basicAuth: secretName,
    /** Pipedrive stage ids → the client's deal stage names. */
    stages: z.record(z.string().regex(/^\d+$/, 'expected a numeric stage id'), z.string().min(1)).optional(),
    fields: z
      .strictObject({
        person: fieldMap.optional(),
        organization: fieldMap.optional(),
        deal: fieldMap.optional(),
      })
      .optional(),
  }),
  typeform: z.strictObject({
    ...freshnessKeys,
    secret: secretName,
    /** Typeform form ids → the form ids the config uses (e.g. sla.highIntentForms). */
    forms: z.record(z.string(), z.string()).optional(),
  }),
  generic: z.strictObject({ ...freshnessKeys, secret: secretName }),
};

type SourcesConfig = {
  [Name in keyof typeof sourceSchemas]?: z.infer<(typeof sourceSchemas)[Name]>;
};

interface MapProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Field-map targets and stage-map targets, checked when the config loads: a typo would otherwise
 * show up days later as a delivery problem. Paths are relative to `sources`.
 */
function sourceMapProblems(sources: SourcesConfig, dealStages: readonly string[]): MapProblem[] {
  const problems: MapProblem[] = [];
  const checkFields = (
    path: (string | number)[],
    entity: EntityType,
    map: Readonly<Record<string, string>> | undefined,
  ) => {
    const allowed = mappableFields(entity);
    for (const [name, field] of Object.entries(map ?? {})) {
      if (!allowed.includes(field)) {
        problems.push({
          path: [...path, name],
          message: `"${field}" is not a ${entity} field; expected one of ${allowed.join(', ')}`,
        });
      }
    }
  };
  const checkStages = (path: (string | number)[], map: Readonly<Record<string, string>> | undefined) => {
    for (const [value, stage] of Object.entries(map ?? {})) {
      if (!dealStages.includes(stage)) {
        problems.push({
          path: [...path, value],
          message: `"${stage}" is not one of dealStages (${dealStages.join(', ')})`,
        });
      }
    }
  };
  const { hubspot, salesforce, pipedrive } = sources;
  const workflow = sources['hubspot-workflow'];
  for (const object of ['contact', 'company', 'deal'] as const) {
    checkFields(['hubspot', 'properties', object], object, hubspot?.properties?.[object]);
  }
  checkStages(['hubspot', 'stages'], hubspot?.stages);
  if (workflow) checkFields(['hubspot-workflow', 'properties'], workflow.objectType, workflow.properties);
  checkStages(['hubspot-workflow', 'stages'], workflow?.stages);
  for (const [type, map] of Object.entries(salesforce?.fields ?? {})) {
    checkFields(
      ['salesforce', 'fields', type],
      SALESFORCE_OBJECTS[type as keyof typeof SALESFORCE_OBJECTS],
      map,
    );
  }
  checkStages(['salesforce', 'stages'], salesforce?.stages);
  for (const [object, map] of Object.entries(pipedrive?.fields ?? {})) {
    checkFields(
      ['pipedrive', 'fields', object],
      PIPEDRIVE_OBJECTS[object as keyof typeof PIPEDRIVE_OBJECTS],
      map,
    );
  }
  checkStages(['pipedrive', 'stages'], pipedrive?.stages);
  return problems;
}

export const SOURCE_NAMES = Object.keys(sourceSchemas) as (keyof typeof sourceSchemas)[];
export type SourceName = keyof typeof sourceSchemas;

const stageList = z.array(z.string().min(1));

/** A CRM user id: HubSpot owner ids are numbers, so YAML may give them unquoted. */
const crmUserId = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

/** The systems whose records carry an owner id (the generic source's ids are the sender's own). */
export const OWNER_SYSTEMS = ['hubspot', 'salesforce', 'pipedrive', 'generic'] as const;
export type OwnerSystem = (typeof OWNER_SYSTEMS)[number];

/** One person of the client's roster: a name for their ids in every connected CRM. */
const person = z.strictObject({
  name: z.string().min(1),
  team: z.enum(['marketing', 'sales', 'partner', 'leadership']),
  title: z.string().min(1).optional(),
  /** Leads the team: named as the owner of the team's metrics and its actions. */
  lead: z.boolean().default(false),
  ids: z
    .strictObject(
      Object.fromEntries(
        OWNER_SYSTEMS.map((system) => [system, z.union([crmUserId, z.array(crmUserId).min(1)]).optional()]),
      ) as Record<OwnerSystem, z.ZodOptional<z.ZodUnion<[typeof crmUserId, z.ZodArray<typeof crmUserId>]>>>,
    )
    .default({}),
});

/** Display names for values the packet prints; anything not listed is written in a readable form. */
const labelMap = z.record(z.string().min(1), z.string().min(1));

export const clientConfigSchema = z
  .object({
    client: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected lowercase letters, digits and "-" (max 40)'),
    displayName: z.string().min(1),
    timezone,
    currency: currencyCode,
    fiscalYearStartMonth: z.number().int().min(1).max(12),
    weekStartsOn: z.enum(WEEKDAY_NAMES),
    businessHours: z
      .object({
        days: z.array(z.enum(WEEKDAYS)).min(1),
        start: clockTime,
        end: clockTime,
        holidays: z.array(isoDate).default([]),
      })
      .refine(
        // Only compared once both are valid times; otherwise the time format is the problem to report.
        (hours) => !(CLOCK.test(hours.start) && CLOCK.test(hours.end)) || hours.start < hours.end,
        { message: 'expected a time after start', path: ['end'] },
      ),
    recipients: z.object({
      marketing: z.array(email).min(1),
      sales: z.array(email).min(1),
      leadership: z.array(email).min(1),
    }),
    from: sender,
    /**
     * Chat destinations of the packets: each a Slack incoming webhook or a Teams Workflows webhook
     * whose URL is held in a secret (the URL is the credential), named for the channel or list it
     * reaches, optionally for some cadences only.
     */
    chat: z
      .strictObject({
        slack: z.array(chatDestination).default([]),
        teams: z.array(chatDestination).default([]),
      })
      .superRefine((chat, ctx) => {
        for (const kind of ['slack', 'teams'] as const) {
          const seen = new Set<string>();
          chat[kind].forEach((destination, index) => {
            if (seen.has(destination.name)) {
              ctx.addIssue({
                code: 'custom',
                path: [kind, index, 'name'],
                message: `"${destination.name}" is named twice: each ${kind} destination needs its own name`,
              });
            }
            seen.add(destination.name);
          });
        }
      })
      .default({ slack: [], teams: [] }),
    /**
     * The packet-building function's memory (MB). Its heap is 60% of it; a quarterly packet needs
     * more as the client grows (README "Sizing build-packet" has the figures from bench/RESULTS.md).
     */
    buildPacket: z
      .strictObject({ memoryMb: z.number().int().min(512).max(10_240).default(BUILD_PACKET_MEMORY_MB) })
      .default({ memoryMb: BUILD_PACKET_MEMORY_MB }),
    /** The web copy of each packet: how many days its link opens it. */
    web: z.strictObject({ linkDays: positiveInt.default(90) }).default({ linkDays: 90 }),
    sources: z
      .strictObject(sourceSchemas)
      .partial()
      .superRefine((sources, ctx) => {
        const workflow = sources['hubspot-workflow'];
        if (workflow && workflow.portalId === undefined && sources.hubspot === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['hubspot-workflow', 'portalId'],
            message:
              'required: the HubSpot portal (account) id the workflow runs in, unless sources.hubspot.portalId names it; a body from any other portal is quarantined',
          });
        }
      }),
    /** Above this share of quarantined deliveries in a packet's period, a source counts as broken. */
    freshness: z
      .strictObject({ maxQuarantineShare: z.number().min(0).max(1).default(0.2) })
      .default({ maxQuarantineShare: 0.2 }),
    /** The roster: owner ids become names, and one person across CRMs is one row. */
    people: z
      .array(person)
      .superRefine((people, ctx) => {
        const seen = new Map<string, number>();
        people.forEach((entry, index) => {
          for (const [system, ids] of Object.entries(entry.ids)) {
            for (const id of [ids ?? []].flat()) {
              const earlier = seen.get(`${system}:${id}`);
              if (earlier !== undefined) {
                ctx.addIssue({
                  code: 'custom',
                  path: [index, 'ids', system],
                  message: `${system} id "${id}" already belongs to people[${earlier}] (${people[earlier]?.name})`,
                });
              }
              seen.set(`${system}:${id}`, index);
            }
          }
        });
      })
      .default([]),
    labels: z
      .strictObject({
        channels: labelMap.optional(),
        teams: labelMap.optional(),
        reasons: labelMap.optional(),
        /** Deal stage names (`dealStages`), e.g. a HubSpot custom pipeline's stage ids. */
        stages: labelMap.optional(),
        /** ICP segment values (industries, regions, seniorities, employee bands). */
        values: labelMap.optional(),
      })
      .default({}),
    /** How many deals a value needs before it is named a candidate to add to or remove from the ICP. */
    icpCandidateMinDeals: positiveInt.default(3),
    privacy: z
      .object({
        /** Secret holding the key of the email hash; defaults to `<client>/email-hash-key`. */
        emailHashKey: secretName.optional(),
      })
      .default({}),
    channels: z
      .array(z.object({ match: z.array(z.string().min(1)).min(1), channel: z.string().min(1), team }))
      .superRefine((channels, ctx) => {
        const matched = new Map<string, number>();
        channels.forEach((rule, ruleIndex) => {
          rule.match.forEach((value, valueIndex) => {
            const key = value.toLowerCase();
            const earlier = matched.get(key);
            if (earlier !== undefined) {
              ctx.addIssue({
                code: 'custom',
                path: [ruleIndex, 'match', valueIndex],
                message: `"${value}" is already matched by channels[${earlier}] (matching is case-insensitive)`,
              });
            }
            matched.set(key, ruleIndex);
          });
        });
      }),
    lifecycle: z
      .object({
        lead: stageList,
        mql: stageList,
        sql: stageList,
        opportunity: stageList,
        customer: stageList,
        disqualified: stageList,
        recycled: stageList,
      })
      .partial(),
    dealStages: z
      .object({ order: stageList.min(1), won: stageList.min(1), lost: stageList.min(1) })
      .superRefine((stages, ctx) => {
        const seen = new Map<string, string>();
        for (const [list, names] of Object.entries(stages)) {
          names.forEach((stage, index) => {
            const previous = seen.get(stage);
            if (previous !== undefined) {
              ctx.addIssue({
                code: 'custom',
                path: [list, index],
                message: `stage "${stage}" is already listed in dealStages.${previous}`,
              });
            }
            seen.set(stage, list);
          });
        }
      }),
    qualification: z.object({
      stage: z.string().min(1),
      minAmount: z.number().nonnegative(),
      requireFields: z
        .array(z.enum(['amount', 'companyId', 'contactIds', 'owner', 'source', 'currency']))
        .default([]),
    }),
    icp: z
      .object({
        industry: z.array(z.string().min(1)).min(1),
        employees: z
          .object({ min: z.number().int().nonnegative(), max: z.number().int().positive() })
          .refine((range) => range.min <= range.max, { message: 'min must be ≤ max', path: ['max'] }),
        region: z.array(z.string().min(1)).min(1),
        seniority: z.array(z.string().min(1)).min(1),
      })
      .partial(),
    /**
     * Region → the countries in it, for records that carry a country but no region (a Salesforce
     * lead's Country, an account's BillingCountry). Matched case-insensitively; the record's own
     * region wins.
     */
    regions: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1))
      .superRefine((regions, ctx) => {
        const seen = new Map<string, string>();
        for (const [region, countries] of Object.entries(regions)) {
          countries.forEach((country, index) => {
            const key = country.trim().toLowerCase();
            const earlier = seen.get(key);
            if (earlier !== undefined) {
              ctx.addIssue({
                code: 'custom',
                path: [region, index],
                message: `"${country}" is already in region "${earlier}" (matching is case-insensitive)`,
              });
            }
            seen.set(key, region);
          });
        }
      })
      .optional(),
    /**
     * The deal pipelines that are new business. Deals in any other pipeline (renewals, upsell,
     * partner) stay out of every metric and are counted in data health. Absent: every pipeline.
     */
    pipelines: z.strictObject({ count: z.array(z.string().min(1)).min(1) }).optional(),
    /**
     * Plan rates set by finance: per fiscal year ("FY2026", named as the packets name it), the
     * value of one unit of a currency in the client's currency. A rate beats a CRM's own
     * home-currency amount.
     */
    exchangeRates: z
      .record(
        z.string().regex(/^FY\d{4}$/, 'expected a fiscal year such as "FY2026"'),
        z.record(currencyCode, z.number().positive()),
      )
      .optional(),
    sla: z.object({
      firstTouchBusinessMinutes: positiveInt,
      highIntentBusinessMinutes: positiveInt,
      highIntentForms: z.array(z.string().min(1)).default([]),
    }),
    cycles: z.object({ salesCycleDays: positiveInt, maturityDays: positiveInt, stallDays: positiveInt }),
    targets: z.object({
      mqlPerMonth: z.number().nonnegative(),
      qpcPerQuarter: z.number().nonnegative(),
      /** Won amount per fiscal quarter: what the forecast is compared with (QPC is a pipeline target). */
      bookingsPerQuarter: z.number().nonnegative().optional(),
    }),
    /**
     * The forecast: each deal stage's probability where the CRM sends none, and how close to the
     * actual a forecast must be to count as accurate ("within 10%").
     */
    forecast: z
      .strictObject({
        stageProbabilities: z.record(z.string().min(1), z.number().min(0).max(1)).default({}),
        accuracyTolerance: z.number().positive().max(1).default(0.1),
      })
      .optional(),
    thresholds: z
      .record(z.string(), z.object({ good: condition, act: condition, owner, action: z.string().min(1) }))
      .superRefine((thresholds, ctx) => {
        for (const id of Object.keys(thresholds)) {
          if (!isMetricId(id)) {
            ctx.addIssue({
              code: 'custom',
              path: [id],
              message: 'expected a metric id of the packet contract',
            });
          }
        }
      })
      .default({}),
    schedules: z.object({
      weekly: z.object({ day: z.enum(WEEKDAY_NAMES), at: clockTime }),
      monthly: z.object({ businessDay: z.number().int().min(1).max(20), at: clockTime }),
      quarterly: z.object({ businessDay: z.number().int().min(1).max(40), at: clockTime }),
    }),
  })
  .superRefine((config, ctx) => {
    const channels = new Set(config.channels.map((rule) => rule.channel));
    for (const channel of Object.keys(config.labels.channels ?? {})) {
      if (!channels.has(channel) && channel !== 'unmapped') {
        ctx.addIssue({
          code: 'custom',
          path: ['labels', 'channels', channel],
          message: `expected a channel of the channels mapping (${[...channels].join(', ')})`,
        });
      }
    }
    for (const issue of sourceMapProblems(config.sources, [
      ...config.dealStages.order,
      ...config.dealStages.won,
      ...config.dealStages.lost,
    ])) {
      ctx.addIssue({ code: 'custom', path: ['sources', ...issue.path], message: issue.message });
    }
    for (const stage of Object.keys(config.forecast?.stageProbabilities ?? {})) {
      if (
        ![...config.dealStages.order, ...config.dealStages.won, ...config.dealStages.lost].includes(stage)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['forecast', 'stageProbabilities', stage],
          message: 'expected one of dealStages',
        });
      }
    }
    for (const [year, rates] of Object.entries(config.exchangeRates ?? {})) {
      if (Object.hasOwn(rates, config.currency)) {
        ctx.addIssue({
          code: 'custom',
          path: ['exchangeRates', year, config.currency],
          message: `${config.currency} is the client's own currency: its rate is always 1; leave it out`,
        });
      }
    }
    const { order, won } = config.dealStages;
    if (!order.includes(config.qualification.stage) && !won.includes(config.qualification.stage)) {
      ctx.addIssue({
        code: 'custom',
        path: ['qualification', 'stage'],
        message: `expected one of dealStages.order (${order.join(', ')})`,
      });
    }
  });

export type ClientConfig = z.infer<typeof clientConfigSchema>;
export type ClientConfigInput = z.input<typeof clientConfigSchema>;
export type Team = z.infer<typeof team>;
export type MetricOwner = z.infer<typeof owner>;
export type Person = z.infer<typeof person>;
