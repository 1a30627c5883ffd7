import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { runSamepage } from '../support/cli.ts';
import { TEST_SECRETS } from '../support/config.ts';
import { readEntity, startTestTwin } from '../support/twin.ts';

/**
 * `samepage import --table --region` talks to DynamoDB and SSM Parameter Store through the AWS SDK.
 * The SDK's standard endpoint variables point it at dynalite and at a loopback server answering
 * Parameter Store's GetParameter, so the AWS path runs for real without AWS.
 */
describe('samepage import into the client table in AWS', () => {
  let twin: Twin;
  let secretsServer: Server;
  const asked: string[] = [];

  beforeAll(async () => {
    twin = await startTestTwin();
    secretsServer = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const { Name } = JSON.parse(body) as { Name: string };
        asked.push(Name);
        const secret = Name.replace(/^\/samepage\//, '') as keyof typeof TEST_SECRETS;
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        response.end(
          JSON.stringify({ Parameter: { Name, Type: 'SecureString', Value: TEST_SECRETS[secret] } }),
        );
      });
    });
    await new Promise<void>((resolve) => secretsServer.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await twin.close();
    await new Promise<void>((resolve) => secretsServer.close(() => resolve()));
  });

  it('writes a Salesforce export to the table it is given, hashing with the key from its SSM parameter', async () => {
    const file = fileURLToPath(new URL('../fixtures/backfill/salesforce-accounts.csv', import.meta.url));
    const result = await runSamepage(
      [
        'import',
        '--client',
        'clients/example.yaml',
        '--file',
        file,
        '--table',
        LOCAL_TABLE_NAME,
        '--region',
        'eu-west-1',
      ],
      {
        AWS_ENDPOINT_URL_DYNAMODB: twin.dynamo.endpoint,
        AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${(secretsServer.address() as AddressInfo).port}`,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    );
    expect(result.stdout).toMatch(/rows read: 2, applied: 1, skipped: 0/);
    expect(result.code).toBe(0);
    expect(asked).toEqual(['/samepage/acme/email-hash-key']);
    const account = await readEntity(twin, 'company#salesforce:0015e00000CCCCCAA5');
    expect(account && fieldValue(account, 'industry')).toBe('Healthcare');
    expect(account && fieldValue(account, 'employees')).toBe(3400);
  });
});
