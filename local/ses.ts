import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESClient } from '@aws-sdk/client-ses';
import sesEmulator from 'aws-ses-v2-local';

export interface LocalSes {
  client: SESClient;
  /** The emulator's web inbox. */
  url: string;
  close(): Promise<void>;
}

type StartEmulator = (config?: { host?: string; port?: number }) => Promise<Server>;

/** Starts the aws-ses-v2-local emulator in this process; the real SES client talks to it. */
export async function startLocalSes(port = 0): Promise<LocalSes> {
  // The package is CommonJS with a default export; depending on the loader it arrives wrapped.
  const start = ((sesEmulator as unknown as { default?: StartEmulator }).default ??
    sesEmulator) as StartEmulator;
  const server = await start({ host: '127.0.0.1', port });
  const { port: actual } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${actual}`;
  const client = new SESClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    client,
    url,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
