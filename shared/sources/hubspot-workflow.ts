import * as z from 'zod';
import type { ClientConfig } from '../config/schema.ts';
import { AuthenticationError, UnknownSourceError, ValidationError } from '../errors.ts';
import type { FieldValue } from '../model/events.ts';
import { qualifyId } from '../model/events.ts';
import {
  DeliveryBuilder,
  hubspotId,
  hubspotPropertyMap,
  keptPropertyValue,
  mapHubSpotProperty,
  type PropertyMap,
} from './hubspot.ts';
import { hubspotCalledUri, hubspotSignatureV2, withoutQuery } from './hubspot-signature.ts';
import { jsonAnswer, type ParsedDelivery, type SourceAdapter } from './types.ts';
import { constantTimeEqual, parseJsonBody } from './wire.ts';

/**
 * HubSpot workflow "Send a webhook" action: one JSON object per enrolled record, carrying the
 * record's properties as they are when the workflow runs (a snapshot, not a change). Signed v2.
 * Properties map with the same tables as the app webhooks, for the configured `objectType`.
 */

const SYSTEM = 'hubspot';

/** Keys that name the record or its time, never a mapped property. */
const ID_KEYS = ['objectId', 'hs_object_id', 'vid'] as const;
const MODIFIED_KEYS = ['lastmodifieddate', 'hs_lastmodifieddate'] as const;
const CREATED_KEYS = ['createdate', 'hs_createdate'] as const;
/** Where a workflow body names its portal: `portal-id` (contact records), `portalId` (company and deal records). */
const PORTAL_KEYS = ['portal-id', 'portalId'] as const;
const META_KEYS = new Set<string>([...ID_KEYS, ...MODIFIED_KEYS, ...CREATED_KEYS, ...PORTAL_KEYS]);
/** The property bag's key, and the key of a legacy property's value (`{"value": "…", "versions": […]}`). */
const BAG_KEY = 'properties';
const LEGACY_VALUE_KEY = 'value';

type PropertyValue = string | number | boolean | null;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The property bag: `properties` flat ({name: "value"}) or legacy ({name: {value: "..."}}); a
 * body without `properties` (a customised request body) is itself the bag. Values that are
 * neither scalars nor `{value}` objects are left out.
 */
function propertiesOf(document: Record<string, unknown>): Map<string, PropertyValue> {
  const properties = new Map<string, PropertyValue>();
  for (const [name, raw] of Object.entries(bagOf(document))) {
    const value = propertyValueOf(raw);
    if (value !== undefined) properties.set(name, value.value);
  }
  return properties;
}

function bagOf(document: Record<string, unknown>): Record<string, unknown> {
  const bag = document[BAG_KEY];
  return isRecord(bag) ? bag : document;
}

function isPropertyValue(value: unknown): value is PropertyValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** A bag entry's value, and whether it came in the legacy `{value}` shape; undefined when it is neither. */
function propertyValueOf(raw: unknown): { value: PropertyValue; legacy: boolean } | undefined {
  const legacy = isRecord(raw) && LEGACY_VALUE_KEY in raw;
  const value = legacy ? raw[LEGACY_VALUE_KEY] : raw;
  return isPropertyValue(value) ? { value, legacy } : undefined;
}

/** A HubSpot date property: epoch ms (number or digits) or ISO-8601. */
function instantOf(value: PropertyValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
}

/**
 * The portal a workflow body must come from: the workflow source's own, else the app webhooks'
 * (the config refuses a workflow source with neither).
 */
export function workflowPortalId(config: ClientConfig): number | undefined {
  return config.sources['hubspot-workflow']?.portalId ?? config.sources.hubspot?.portalId;
}

/**
 * Refuses a snapshot that names another portal. A workflow webhook is signed with the app's
 * secret, which every portal that installed the app shares, so the signature alone does not say
 * whose record it is. The body is the record "exactly the same data you'd get when pulling that
 * object using the relevant object API" (https://developers.hubspot.com/docs/methods/workflows/webhook_information):
 * the legacy contact record carries `portal-id`, company and deal records `portalId`. A
 * customised body that names no portal is taken on its signature.
 */
function checkPortal(document: Record<string, unknown>, config: ClientConfig): void {
  const configured = workflowPortalId(config);
  for (const key of PORTAL_KEYS) {
    if (!Object.hasOwn(document, key) || configured === undefined) continue;
    const raw = document[key];
    const portal = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof portal !== 'number' || !Number.isSafeInteger(portal)) {
      throw new ValidationError('the record names no usable HubSpot portal', [
        { path: key, message: 'expected a numeric HubSpot portal id' },
      ]);
    }
    if (portal !== configured) {
      throw new ValidationError('the record is from another HubSpot portal', [
        { path: key, message: `the record is not from the configured HubSpot portal ${configured}` },
      ]);
    }
  }
}

function workflowConfig(config: ClientConfig) {
  const source = config.sources['hubspot-workflow'];
  if (!source) throw new UnknownSourceError('hubspot-workflow');
  return source;
}

export const hubspotWorkflowAdapter: SourceAdapter = {
  name: 'hubspot-workflow',
  secretNames: (config) => [config.sources['hubspot-workflow']?.secret],

  // v2 signatures carry no timestamp, so there is no staleness check: a replayed request can only
  // re-deliver a snapshot already seen, which the delivery key and the projection make harmless.
  async verify(request, { config, secrets }) {
    const source = workflowConfig(config);
    const version = request.headers['x-hubspot-signature-version'];
    if (version !== 'v2') {
      throw new AuthenticationError(
        'signature',
        version
          ? 'X-HubSpot-Signature-Version is not v2; only v2 (secret + method + URI + body) is accepted'
          : 'X-HubSpot-Signature-Version header missing; only v2 signatures are accepted',
        version ? `X-HubSpot-Signature-Version is ${version}; only v2 is accepted` : undefined,
      );
    }
    const signature = request.headers['x-hubspot-signature'];
    if (!signature) throw new AuthenticationError('signature', 'X-HubSpot-Signature header missing');
    const secret = await secrets.get(source.secret);
    // v2 covers the URL exactly as HubSpot called it, escapes included (hubspotSignatureV2).
    const uri = hubspotCalledUri(request.url, source.canonicalUrl);
    const expected = hubspotSignatureV2(secret, request.method.toUpperCase(), uri, request.body);
    if (!constantTimeEqual(signature.toLowerCase(), expected)) {
      throw new AuthenticationError(
        'signature',
        'X-HubSpot-Signature (v2) does not match',
        `X-HubSpot-Signature (v2) does not match (checked against ${withoutQuery(uri)})`,
      );
    }
  },

  parse(body, context): ParsedDelivery {
    const source = context.config.sources['hubspot-workflow'];
    // Replay after the source was removed from the config: keep the body quarantined, do not crash.
    if (!source) throw new ValidationError('hubspot-workflow source is not configured');
    const document = parseJsonBody(body, z.unknown(), 'JSON');
    if (!isRecord(document)) throw new ValidationError('body is not a JSON object describing one record');
    checkPortal(document, context.config);
    const properties = propertiesOf(document);

    const idSource =
      ID_KEYS.map((key) => document[key]).find((value) => value !== undefined && value !== null) ??
      properties.get('hs_object_id');
    const id = hubspotId.safeParse(idSource);
    if (!id.success) {
      throw new ValidationError('the record has no numeric objectId, hs_object_id or vid', [
        { path: 'objectId', message: id.error.issues[0]?.message ?? 'expected a HubSpot id' },
      ]);
    }

    const timeOf = (keys: readonly string[]) => {
      for (const key of keys) {
        const raw = properties.get(key) ?? (document[key] as PropertyValue | undefined);
        const at = instantOf(raw);
        if (at !== undefined) return { key, at };
      }
      return undefined;
    };
    const modified = timeOf(MODIFIED_KEYS);
    if (modified && !Number.isFinite(modified.at)) {
      throw new ValidationError(`${modified.key} is neither epoch milliseconds nor an ISO-8601 time`, [
        { path: `properties.${modified.key}`, message: 'expected epoch milliseconds or ISO-8601' },
      ]);
    }
    const at = modified?.at ?? context.receivedAt;

    const object = source.objectType;
    const entityId = qualifyId(SYSTEM, id.data);
    const map = hubspotPropertyMap(object, source.properties);
    const out = new DeliveryBuilder();
    // Several properties can feed one field (lifecyclestage and hs_lead_status → stage): in a
    // snapshot the one listed later in the map wins, so a mapped lead status beats the lifecycle
    // and hs_forecast_probability beats hs_deal_stage_probability.
    const order = Object.keys(map);
    const names = [...properties.keys()]
      .filter((name) => !META_KEYS.has(name))
      .sort((a, b) => order.indexOf(a) - order.indexOf(b));
    const fields: Record<string, FieldValue> = {};
    for (const name of names) {
      const result = mapHubSpotProperty(object, map, name, properties.get(name) ?? null, context);
      if (result.kind === 'ignored') out.ignore(result.reason);
      else if (result.kind === 'problem') out.problem(`properties.${name}`, result.message);
      // A property left empty does not clear what another one feeding the same field says in this
      // snapshot: a deal with a stage probability and no forecast probability keeps the former.
      else if (result.value !== null || fields[result.field] === undefined)
        fields[result.field] = result.value;
    }
    out.events.push({ entity: object, id: entityId, at, fields });
    // The record existed from its create date: that, not the first workflow run, is its first `at`.
    const created = timeOf(CREATED_KEYS);
    if (created && Number.isFinite(created.at) && created.at < at) {
      out.events.push({ entity: object, id: entityId, at: created.at, fields: {} });
    }
    return out.result();
  },

  /**
   * Keeps the record's id, portal and times, and the properties the configured object's map reads
   * (the defaults with `sources.hubspot-workflow.properties`): every other property, a legacy
   * property's history (`versions`, whose sources name users by email), associations and form
   * submissions are dropped. Each kept property keeps its shape, flat or `{value}`.
   */
  keep(body, context): string {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      // Never called on such a body (parse refuses it); nothing of it is kept.
      return '{}';
    }
    if (!isRecord(document)) return '{}';
    const source = context.config.sources['hubspot-workflow'];
    // Without the source parse refuses every body; then only the id, portal and times are kept.
    const object = source?.objectType ?? 'contact';
    const map: PropertyMap = source ? hubspotPropertyMap(object, source.properties) : {};
    const keepBag = (bag: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(bag).flatMap(([name, raw]) => {
          const mapped = !META_KEYS.has(name) && Object.hasOwn(map, name);
          const entry = propertyValueOf(raw);
          if ((!mapped && !META_KEYS.has(name)) || entry === undefined) return [];
          const value = mapped ? keptPropertyValue(object, map, name, entry.value, context) : entry.value;
          return [[name, entry.legacy ? { [LEGACY_VALUE_KEY]: value } : value]];
        }),
      );
    const bag = document[BAG_KEY];
    if (!isRecord(bag)) return JSON.stringify(keepBag(document));
    // Parsing reads the id, portal and times beside the bag as well; a value there is never `{value}`.
    const beside = Object.fromEntries(
      Object.entries(document).filter(([name, raw]) => META_KEYS.has(name) && isPropertyValue(raw)),
    );
    return JSON.stringify({ ...beside, [BAG_KEY]: keepBag(bag) });
  },

  answer: jsonAnswer,
};
