/**
 * The baseline of a packet's reads: the same requests the build made (recorded by its meter),
 * replayed in a fresh process with the low-level client and nothing else: every query paged to its
 * end, 8 at a time, items counted and dropped, no unmarshalling, no state parsing. What a packet
 * build takes beyond this is what samepage adds to DynamoDB's (here dynalite's) own serving time.
 * Usage: tsx bench/support/bare-read.ts <endpoint> <reads.json>  (prints one JSON line)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { RecordedRead } from './meter.ts';

const BARE_CONCURRENCY = 8;

const [endpoint, readsFile] = process.argv.slice(2);
if (!endpoint || !readsFile) throw new Error('usage: bare-read <endpoint> <reads.json>');
const reads = JSON.parse(readFileSync(readsFile, 'utf8')) as RecordedRead[];
const client = new DynamoDBClient({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
client.middlewareStack.remove('loggerMiddleware');

let items = 0;
const replay = async (read: RecordedRead) => {
  if (read.command === 'QueryCommand') {
    for await (const page of paginateQuery({ client }, read.input as unknown as QueryCommandInput)) {
      items += page.Items?.length ?? 0;
    }
  } else if (read.command === 'BatchGetItemCommand') {
    let pending = read.input.RequestItems as BatchGetItemCommandInput['RequestItems'];
    while (pending && Object.keys(pending).length > 0) {
      const answer = await client.send(new BatchGetItemCommand({ RequestItems: pending }));
      for (const found of Object.values(answer.Responses ?? {})) items += found.length;
      pending = answer.UnprocessedKeys;
    }
  } else {
    const answer = await client.send(new GetItemCommand(read.input as unknown as GetItemCommandInput));
    if (answer.Item) items++;
  }
};

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: BARE_CONCURRENCY }, async () => {
    while (next < reads.length) {
      const read = reads[next++] as RecordedRead;
      await replay(read);
    }
  }),
);
console.log(JSON.stringify({ wallMs: performance.now() - started, items, requests: reads.length }));
client.destroy();
