/**
 * Benchmarks the message path end to end on real servers: the whole system in
 * this process (four services and the gateway over gRPC), PostgreSQL and a
 * NATS server of its own. Prints figures; asserts nothing.
 *
 *   npm run bench -- [--messages 500] [--concurrency 16]
 */
import { api, openStream } from '../test/support/http';
import { startSystem } from '../test/support/system';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const total = arg('messages', 500);
const concurrency = arg('concurrency', 16);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const summary = (label: string, samples: number[], wallMs: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  console.log(
    `${label.padEnd(34)} n=${String(samples.length).padStart(5)}  ${(samples.length / (wallMs / 1000)).toFixed(0).padStart(6)}/s` +
      `  p50 ${f(percentile(sorted, 0.5))} ms  p95 ${f(percentile(sorted, 0.95))} ms  p99 ${f(percentile(sorted, 0.99))} ms`,
  );
};

async function timed<T>(work: () => Promise<T>, samples: number[]): Promise<T> {
  const start = performance.now();
  const result = await work();
  samples.push(performance.now() - start);
  return result;
}

const system = await startSystem('bench');
try {
  const practice = 'bench';
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  await directory('PUT', `/v1/practices/${practice}`, { name: 'Bench Clinic', plan: 'team' });
  await directory('PUT', `/v1/practices/${practice}/people/owner`, {
    kind: 'practitioner',
    firstName: 'Olive',
    lastName: 'Owner',
    teamRole: 'owner',
  });
  const clients = Array.from({ length: 20 }, (_, n) => `client${n}`);
  for (const id of clients) {
    await directory('PUT', `/v1/practices/${practice}/people/${id}`, {
      kind: 'client',
      firstName: 'C',
      lastName: id,
    });
  }
  const owner = api(system.url, await system.personToken(practice, 'owner'));
  const chat = (await owner('POST', '/v1/chats', { name: 'Bench', style: 'direct', participantIds: clients }))
    .body;
  const listener = await openStream(system.url, await system.personToken(practice, 'client0'));
  await listener.next((event) => event.type === 'stream.ready');

  // Warm-up: connections, prepared plans, JIT.
  for (let n = 0; n < 20; n++) await owner('POST', `/v1/chats/${chat.id}/messages`, { body: `warm ${n}` });

  const sequential: number[] = [];
  const delivery: number[] = [];
  let start = performance.now();
  for (let n = 0; n < total; n++) {
    const sentAt = performance.now();
    const posted = await timed(
      () => owner('POST', `/v1/chats/${chat.id}/messages`, { body: `seq ${n}` }),
      sequential,
    );
    if (n % 10 === 0) {
      await listener.next((event) => event.type === 'message.created' && event.data.id === posted.body.id);
      delivery.push(performance.now() - sentAt);
    }
  }
  summary('POST message (sequential)', sequential, performance.now() - start);
  summary('POST → socket of a participant', delivery, performance.now() - start);

  // Each writer is another participant, as in a busy group: one person's posts
  // would soon meet their own rate limit (RATE_LIMIT_PER_MINUTE).
  const writers = await Promise.all(
    Array.from({ length: concurrency }, async (_, n) =>
      api(system.url, await system.personToken(practice, clients[n % clients.length]!)),
    ),
  );
  const concurrent: number[] = [];
  const refused = new Map<string, number>();
  let next = 0;
  start = performance.now();
  await Promise.all(
    writers.map(async (writer, index) => {
      while (next < total) {
        const n = next++;
        const reply = await timed(
          () => writer('POST', `/v1/chats/${chat.id}/messages`, { body: `par ${n}` }),
          concurrent,
        );
        const key = `${reply.status} (writer ${index})`;
        if (reply.status !== 201) refused.set(key, (refused.get(key) ?? 0) + 1);
      }
    }),
  );
  summary(`POST message (${concurrency} writers, 1 chat)`, concurrent, performance.now() - start);
  if (refused.size > 0) console.log(`  refused: ${JSON.stringify(Object.fromEntries(refused))}`);

  const pages: number[] = [];
  start = performance.now();
  let cursor: string | null = null;
  for (let n = 0; n < 100; n++) {
    const query: string = cursor ? `?limit=50&cursor=${cursor}` : '?limit=50';
    const page = await timed(() => owner('GET', `/v1/chats/${chat.id}/messages${query}`), pages);
    cursor = page.body.nextCursor;
    if (!cursor) cursor = null;
  }
  summary('GET 50 messages (keyset pages)', pages, performance.now() - start);

  const lists: number[] = [];
  const client = api(system.url, await system.personToken(practice, 'client3'));
  start = performance.now();
  for (let n = 0; n < 100; n++) await timed(() => client('GET', '/v1/chats'), lists);
  summary('GET /v1/chats (unread counters)', lists, performance.now() - start);
  listener.close();
} finally {
  await system.stop();
}
process.exit(0);
