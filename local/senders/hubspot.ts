import {
  decodeHubSpotUri,
  hubspotSignatureV2,
  hubspotSignatureV3,
} from '#shared/sources/hubspot-signature.ts';

/**
 * Headers HubSpot puts on an app-webhook delivery (v3 signature). `uri` is the full URL called,
 * query included; HubSpot signs it with its listed escapes decoded.
 */
export function hubspotHeaders(
  body: string,
  secret: string,
  options: { uri: string; method?: string; timestamp?: number },
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Date.now());
  const method = options.method ?? 'POST';
  return {
    'content-type': 'application/json',
    'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio-http-client)',
    'x-hubspot-request-timestamp': timestamp,
    'x-hubspot-signature-v3': hubspotSignatureV3(
      secret,
      method,
      decodeHubSpotUri(options.uri),
      body,
      timestamp,
    ),
  };
}

/**
 * Headers of a workflow "Send a webhook" request signed v2 (hex SHA-256 of secret + method + URI +
 * body). v2 signs the URI exactly as called, escapes included (unlike v3).
 */
export function hubspotWorkflowHeaders(
  body: string,
  secret: string,
  options: { uri: string; method?: string },
): Record<string, string> {
  const method = options.method ?? 'POST';
  return {
    'content-type': 'application/json',
    'x-hubspot-signature-version': 'v2',
    'x-hubspot-signature': hubspotSignatureV2(secret, method, options.uri, body),
  };
}
