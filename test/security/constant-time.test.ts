import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError } from '#shared/errors.ts';
import { adapterFor } from '#shared/sources/registry.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';

// node:crypto with timingSafeEqual counted: a check that compared with === would not call it.
const counted = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      counted.calls++;
      return crypto.timingSafeEqual(a, b);
    },
  };
});

describe('credential checks go through crypto.timingSafeEqual', () => {
  afterEach(() => {
    counted.calls = 0;
  });
  const context = { config: exampleConfig(), secrets: testSecrets(), now: Date.now() };
  const request = (headers: Record<string, string>) => ({
    method: 'POST',
    url: 'https://hooks.acme.example/webhooks/x?token=wrong',
    headers,
    body: Buffer.from('<OrganizationId>00Dxx0000001gEREAY</OrganizationId>'),
    receivedAt: Date.now(),
  });

  it.each([
    ['hubspot', { 'x-hubspot-signature-v3': 'AAAA', 'x-hubspot-request-timestamp': String(Date.now()) }],
    ['hubspot-workflow', { 'x-hubspot-signature-version': 'v2', 'x-hubspot-signature': 'ab'.repeat(32) }],
    ['typeform', { 'typeform-signature': 'sha256=AAAA' }],
    ['pipedrive', { authorization: `Basic ${Buffer.from('samepage:nope').toString('base64')}` }],
    [
      'generic',
      {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      },
    ],
    // The URL carries ?token=wrong: the token is compared before the body is read.
    ['salesforce', {}],
  ])('%s refuses a wrong credential after a constant-time comparison', async (source, headers) => {
    const adapter = adapterFor(source);
    if (!adapter) throw new Error(`no adapter ${source}`);
    await expect(adapter.verify(request(headers), context)).rejects.toThrow(AuthenticationError);
    expect(counted.calls).toBeGreaterThan(0);
  });
});
