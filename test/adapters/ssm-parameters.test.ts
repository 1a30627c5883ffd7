import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsmParameterSecrets } from '#shared/adapters/ssm-parameters.ts';
import { SecretNotFoundError } from '#shared/errors.ts';
import { CachedSecrets } from '#shared/ports/secrets.ts';

/**
 * Parameter Store cannot run here, so a loopback server answers its JSON 1.1 protocol for the
 * real SDK client: a stored SecureString (its value returned only when decryption is asked for,
 * as Parameter Store does) and a missing one.
 */
const STORED: Record<string, string> = { '/samepage/acme/generic-whsec': 'whsec_c2VjcmV0' };

describe('SSM Parameter Store adapter', () => {
  let server: Server;
  let client: SSMClient;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const { Name, WithDecryption } = JSON.parse(body) as { Name: string; WithDecryption?: boolean };
        requests.push(`${request.headers['x-amz-target']} ${Name} ${WithDecryption === true}`);
        const value = STORED[Name];
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (value === undefined) {
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'ParameterNotFound', message: '' }));
          return;
        }
        response.end(
          JSON.stringify({
            Parameter: {
              Name,
              Type: 'SecureString',
              Value: WithDecryption ? value : 'AQICAHh…ciphertext',
              Version: 1,
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new SSMClient({
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

  it('reads the secret named in the config from its parameter under /samepage/, decrypted', async () => {
    await expect(new SsmParameterSecrets(client).get('acme/generic-whsec')).resolves.toBe('whsec_c2VjcmV0');
    expect(requests.at(-1)).toBe('AmazonSSM.GetParameter /samepage/acme/generic-whsec true');
  });

  it('names the missing parameter and how to create it', async () => {
    const missing = new SsmParameterSecrets(client).get('acme/pipedrive-basic-auth');
    await expect(missing).rejects.toThrow(SecretNotFoundError);
    await expect(missing).rejects.toThrow(
      'Secret "acme/pipedrive-basic-auth" not found (no SSM parameter /samepage/acme/pipedrive-basic-auth: aws ssm put-parameter --type SecureString --name /samepage/acme/pipedrive-basic-auth)',
    );
  });

  it('asks once per secret while the cache is fresh, again after it expires, and never caches a failure', async () => {
    let now = 0;
    const cached = new CachedSecrets(new SsmParameterSecrets(client), 60_000, () => now);
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
