import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerSecrets } from '#shared/adapters/secrets-manager.ts';
import { SecretNotFoundError } from '#shared/errors.ts';
import { CachedSecrets } from '#shared/ports/secrets.ts';

/**
 * Secrets Manager cannot run here, so a loopback server answers its JSON 1.1 protocol for the
 * real SDK client: a stored secret, one created empty (as the stack creates them), one missing.
 */
const STORED: Record<string, { SecretString?: string }> = {
  'acme/generic-whsec': { SecretString: 'whsec_c2VjcmV0' },
  'acme/typeform-secret': {},
};

describe('Secrets Manager adapter', () => {
  let server: Server;
  let client: SecretsManagerClient;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        requests.push(`${request.headers['x-amz-target']} ${SecretId}`);
        const secret = STORED[SecretId];
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (!secret) {
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
          return;
        }
        response.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:eu-west-1:1:secret:${SecretId}`,
            Name: SecretId,
            ...secret,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new SecretsManagerClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(() => {
    client.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads a secret by the name in the config', async () => {
    await expect(new SecretsManagerSecrets(client).get('acme/generic-whsec')).resolves.toBe('whsec_c2VjcmV0');
    expect(requests.at(-1)).toBe('secretsmanager.GetSecretValue acme/generic-whsec');
  });

  it('says which secret is missing or still empty', async () => {
    const secrets = new SecretsManagerSecrets(client);
    await expect(secrets.get('acme/pipedrive-basic-auth')).rejects.toThrow(SecretNotFoundError);
    await expect(secrets.get('acme/typeform-secret')).rejects.toThrow(
      /acme\/typeform-secret.*no string value yet/,
    );
  });

  it('asks once per secret while the cache is fresh, again after it expires, and never caches a failure', async () => {
    let now = 0;
    const cached = new CachedSecrets(new SecretsManagerSecrets(client), 60_000, () => now);
    const before = requests.length;
    await cached.get('acme/generic-whsec');
    await cached.get('acme/generic-whsec');
    expect(requests.length - before).toBe(1);
    now = 61_000;
    await cached.get('acme/generic-whsec');
    expect(requests.length - before).toBe(2);
    await expect(cached.get('acme/missing')).rejects.toThrow(SecretNotFoundError);
    await expect(cached.get('acme/missing')).rejects.toThrow(SecretNotFoundError);
    expect(requests.length - before).toBe(4);
  });
});
