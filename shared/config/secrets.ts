import { ConfigError } from '../errors.ts';
import type { ClientConfig } from './schema.ts';

/** The secret behind the email hash; defaults to `<client>/email-hash-key`. */
export function emailHashKeyName(config: Pick<ClientConfig, 'client' | 'privacy'>): string {
  return config.privacy.emailHashKey ?? `${config.client}/email-hash-key`;
}

/**
 * Where a secret named in the config is kept in AWS: a SecureString parameter of SSM Parameter
 * Store (standard tier, no monthly charge), its name the config's under `/samepage/`:
 * `acme/generic-whsec` → `/samepage/acme/generic-whsec`. The config's names stay the contract
 * (DESIGN.md contract 1); the prefix keeps samepage's parameters in one hierarchy, and makes the
 * name fully qualified, as Parameter Store wants any name holding a `/`.
 */
export function parameterName(secretName: string): string {
  // Parameter Store allows fewer characters than a secret name may hold (+ = @ are refused).
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
  if (!/^[A-Za-z0-9/_.-]+$/.test(secretName)) {
    throw new ConfigError('(its secret names, as SSM parameters)', [
      { path: secretName, message: 'an SSM parameter name holds letters, digits and / _ . - only' },
    ]);
  }
  return `/samepage/${secretName}`;
}
