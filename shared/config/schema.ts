import * as z from 'zod';
import { isMetricId } from '../metrics/registry.ts';

/**
 * The client config contract (DESIGN.md contract 1, ../shared/examples/client.example.yaml).
 * Keys may be added; the contract's keys keep their names and meanings.
 */

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

/** A threshold condition: `>= 0.30`, `< 0.8 * target_pace`, `<= previous_mean`. */
export const CONDITION_PATTERN =
  /^(>=|<=|>|<)\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?(\d+(?:\.\d+)?|target_pace|previous_mean)$/;
const condition = z
  .string()
  .regex(
    CONDITION_PATTERN,
    'expected a condition like ">= 0.30", "< 0.8 * target_pace" or "<= previous_mean"',
  );

const sourceSchemas = {
  hubspot: z.strictObject({
    portalId: positiveInt,
    clientSecret: secretName,
    /** The public URL HubSpot calls; signatures are computed over it when the stack sits behind a proxy. */
    canonicalUrl: z.url().optional(),
    properties: z
      .strictObject({ contact: fieldMap.optional(), company: fieldMap.optional(), deal: fieldMap.optional() })
      .optional(),
  }),
  'hubspot-workflow': z.strictObject({
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
  }),
  salesforce: z.strictObject({
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
  }),
  pipedrive: z.strictObject({
    /** Secret holding "user:password" for HTTP Basic auth. */
    basicAuth: secretName,
    /** Pipedrive stage ids → the client's deal stage names. */
    stages: z.record(z.string().regex(/^\d+$/, 'expected a numeric stage id'), z.string()).optional(),
    fields: z
      .strictObject({
        person: fieldMap.optional(),
        organization: fieldMap.optional(),
        deal: fieldMap.optional(),
      })
      .optional(),
  }),
  typeform: z.strictObject({
    secret: secretName,
    /** Typeform form ids → the form ids the config uses (e.g. sla.highIntentForms). */
    forms: z.record(z.string(), z.string()).optional(),
  }),
  generic: z.strictObject({ secret: secretName }),
};

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
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "USD"'),
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
    sla: z.object({
      firstTouchBusinessMinutes: positiveInt,
      highIntentBusinessMinutes: positiveInt,
      highIntentForms: z.array(z.string().min(1)).default([]),
    }),
    cycles: z.object({ salesCycleDays: positiveInt, maturityDays: positiveInt, stallDays: positiveInt }),
    targets: z.object({ mqlPerMonth: z.number().nonnegative(), qpcPerQuarter: z.number().nonnegative() }),
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
