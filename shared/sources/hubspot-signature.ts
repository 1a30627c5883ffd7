import { createHash, createHmac } from 'node:crypto';

/**
 * HubSpot request signatures, shared by the app-webhook (v3) and workflow-webhook (v2) adapters.
 * Algorithms as in HubSpot's official SDKs (hubspot-api-nodejs src/utils/signature.ts,
 * hubspot-api-python hubspot/utils/signature.py) and HubSpot's "Validating requests" docs.
 */

/** v3: X-HubSpot-Request-Timestamp further than this from now is refused (HubSpot: "older than 5 minutes"). */
export const HUBSPOT_MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

/**
 * The only escapes HubSpot decodes in the request URI before signing a v3 signature
 * ("Validating requests", v3 section; v2 signs the URI exactly as called). Everything else (`%20`, `%2B`, `%25` …) is left exactly as it was called.
 * Percent-encoding hex is case-insensitive (RFC 3986 §2.1), so `%3a` is decoded like `%3A`.
 */
export const HUBSPOT_URI_ESCAPES: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

const ESCAPE_PATTERN = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

/** Decodes only HubSpot's 12 listed escapes in a URI. */
export function decodeHubSpotUri(uri: string): string {
  return uri.replace(ESCAPE_PATTERN, (found) => HUBSPOT_URI_ESCAPES[found.toUpperCase()] ?? found);
}

/**
 * The URL HubSpot called: the called URL itself or, behind a proxy or a custom domain, the
 * configured public URL with the called query string. Nothing is decoded.
 */
export function hubspotCalledUri(calledUrl: string, canonicalUrl?: string): string {
  if (!canonicalUrl) return calledUrl;
  const queryStart = calledUrl.indexOf('?');
  const query = queryStart === -1 ? '' : calledUrl.slice(queryStart + 1);
  return query ? `${canonicalUrl}${canonicalUrl.includes('?') ? '&' : '?'}${query}` : canonicalUrl;
}

/** The URI a v3 signature covers: the called URI with HubSpot's listed escapes decoded. */
export function hubspotSignedUri(calledUrl: string, canonicalUrl?: string): string {
  return decodeHubSpotUri(hubspotCalledUri(calledUrl, canonicalUrl));
}

/** A request body as signed: the bytes that arrived, or a sender's text as UTF-8. */
export type SignedBody = string | Uint8Array;

/** v3: base64 HMAC-SHA256(secret, method + uri + body + timestamp), over the body's bytes. The uri is used as given. */
export function hubspotSignatureV3(
  secret: string,
  method: string,
  uri: string,
  body: SignedBody,
  timestamp: string,
): string {
  return createHmac('sha256', secret)
    .update(`${method}${uri}`, 'utf8')
    .update(body)
    .update(timestamp, 'utf8')
    .digest('base64');
}

/**
 * v2: hex SHA-256(secret + method + uri + body), over the body's bytes. The uri is used as
 * given: for v2 it is the exact URL HubSpot called, escapes included ("The URI used to build the
 * source string must exactly match the original request, including the protocol",
 * https://developers.hubspot.com/docs/faq/v2-request-validation). v3's decoding does not apply.
 */
export function hubspotSignatureV2(secret: string, method: string, uri: string, body: SignedBody): string {
  return createHash('sha256').update(`${secret}${method}${uri}`, 'utf8').update(body).digest('hex');
}

/** A URI without its query string, for the logs (a query may carry tokens; it is not logged). */
export function withoutQuery(uri: string): string {
  const queryStart = uri.indexOf('?');
  return queryStart === -1 ? uri : `${uri.slice(0, queryStart)}?…`;
}
