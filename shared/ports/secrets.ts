import { SecretNotFoundError } from '../errors.ts';

/** Resolves a secret by the name the client config gives it. */
export interface Secrets {
  get(name: string): Promise<string>;
}

/** `acme/generic-whsec` → `SAMEPAGE_SECRET_ACME_GENERIC_WHSEC` (DESIGN.md contract 1). */
export function secretEnvironmentVariable(name: string): string {
  return `SAMEPAGE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Local mode: secrets come from `SAMEPAGE_SECRET_<NAME>` environment variables. */
export class EnvironmentSecrets implements Secrets {
  constructor(private readonly environment: NodeJS.ProcessEnv = process.env) {}

  async get(name: string): Promise<string> {
    const variable = secretEnvironmentVariable(name);
    const value = this.environment[variable];
    if (value === undefined || value === '') throw new SecretNotFoundError(name, `set ${variable}`);
    return value;
  }
}

/** Caches another Secrets for a while, so a warm Lambda does not fetch on every delivery. */
export class CachedSecrets implements Secrets {
  private readonly cache = new Map<string, { value: Promise<string>; fetchedAt: number }>();

  constructor(
    private readonly inner: Secrets,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && this.now() - hit.fetchedAt < this.ttlMs) return hit.value;
    const value = this.inner.get(name);
    this.cache.set(name, { value, fetchedAt: this.now() });
    value.catch(() => this.cache.delete(name));
    return value;
  }
}
