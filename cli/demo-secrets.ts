import type { DemoSecrets } from '#local/delivery.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { EnvironmentSecrets, secretEnvironmentVariable } from '#shared/ports/secrets.ts';

/**
 * Secret values the demo client uses on the local twin only. Set as SAMEPAGE_SECRET_* unless the
 * environment already has them, so `npm run demo` needs no set-up.
 */
export const DEMO_SECRETS: Record<string, string> = {
  'demo/hubspot-client-secret': 'demo-hubspot-client-secret',
  'demo/typeform-secret': 'demo-typeform-secret',
  'demo/pipedrive-basic-auth': 'northwind:demo-pipedrive-password',
  'demo/generic-whsec': 'whsec_ZGVtby1nZW5lcmljLXdlYmhvb2stc2VjcmV0LTAx',
  'demo/salesforce-token': 'demo-salesforce-token',
  'demo/email-hash-key': 'demo-email-hash-key',
};

/** The same values as the demo's senders sign with them. */
export const DEMO_SENDER_SECRETS: DemoSecrets = {
  hubspot: DEMO_SECRETS['demo/hubspot-client-secret'] as string,
  typeform: DEMO_SECRETS['demo/typeform-secret'] as string,
  pipedriveCredentials: DEMO_SECRETS['demo/pipedrive-basic-auth'] as string,
  genericWhsec: DEMO_SECRETS['demo/generic-whsec'] as string,
  salesforceToken: DEMO_SECRETS['demo/salesforce-token'] as string,
};

/** The demo's secrets as the twin reads them, from a private environment (process.env untouched). */
export function demoSecrets(): EnvironmentSecrets {
  return new EnvironmentSecrets(
    Object.fromEntries(
      Object.entries(DEMO_SECRETS).map(([name, value]) => [secretEnvironmentVariable(name), value]),
    ),
  );
}

export function applyDemoSecretsIfUnset(config: ClientConfig): void {
  if (config.client !== 'demo') return;
  for (const [name, value] of Object.entries(DEMO_SECRETS)) {
    process.env[secretEnvironmentVariable(name)] ??= value;
  }
}
