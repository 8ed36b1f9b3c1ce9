import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from '../support/system';
import { type FuzzRequest, requests } from './fuzzing/inputs';
import { createJudge, type Verdict } from './fuzzing/judge';
import { FULL, SEED } from './fuzzing/mode';
import { loadOperations, type Operation, operationName } from './fuzzing/openapi';
import { inParallel, rawClient } from './fuzzing/send';
import { buildWorld, changes, type FuzzWorld } from './fuzzing/world';

/** Requests per operation: at least 1,000 in the full run (the bar), a taste in `npm test`. */
const PER_OPERATION = Number(process.env.FUZZ_REQUESTS ?? (FULL ? 1_000 : 5));
/** Requests between two snapshots of the practice; a batch with no 2xx must leave it as it was. */
const BATCH = FULL ? 200 : 5;
const CONCURRENCY = 4;

/** Operations that destroy what the others need go last. */
const order = (operation: Operation) =>
  operation.method === 'DELETE' ? 2 : operation.path.startsWith('/v1/practices/') ? 1 : 0;
/** Service routes: the directory, programs and practice settings, and a practitioner's Zoom link. */
const forServices = (operation: Operation) =>
  operation.path.startsWith('/v1/practices/') || operation.path.endsWith('/zoom-link');

interface Tally {
  operation: string;
  requests: number;
  verdicts: Record<Verdict, number>;
  snapshots: number;
  milliseconds: number;
}

describe('Schema fuzzing: bad input of any kind gets a 4xx problem+json, never a 5xx, and changes nothing', () => {
  let system: System;
  let world: FuzzWorld;
  let operations: Operation[];
  const findings: string[] = [];
  const tallies: Tally[] = [];
  const started = Date.now();

  beforeAll(async () => {
    system = await startSystem('fuzz', {
      // The fuzzer is one caller sending thousands of requests; a small upload limit keeps oversize uploads cheap.
      gateway: { RATE_LIMIT_PER_MINUTE: '10000000', ATTACHMENT_MAX_BYTES: '65536' },
    });
    world = await buildWorld(system);
    operations = (await loadOperations(system.url)).sort((a, b) => order(a) - order(b));
  });

  afterAll(async () => {
    const total = tallies.reduce((sum, tally) => sum + tally.requests, 0);
    const summary = {
      mode: FULL ? 'full' : 'quick',
      seed: SEED,
      perOperation: PER_OPERATION,
      operations: tallies.length,
      total,
      verdicts: tallies.reduce(
        (sum, tally) => {
          for (const [verdict, count] of Object.entries(tally.verdicts)) {
            sum[verdict] = (sum[verdict] ?? 0) + count;
          }
          return sum;
        },
        {} as Record<string, number>,
      ),
      findings: findings.length,
      seconds: Math.round((Date.now() - started) / 1000),
      tallies,
    };
    writeFileSync(join(tmpdir(), 'huddle-fuzz-summary.json'), JSON.stringify(summary, null, 2));
    await system?.stop();
  });

  it('every operation of the OpenAPI document, each with its generated requests', async () => {
    expect(operations.length).toBeGreaterThan(30);
    const judge = createJudge(operations);
    const client = rawClient(system.url, CONCURRENCY);
    try {
      let baseline = await world.snapshot();
      for (const [index, operation] of operations.entries()) {
        const name = operationName(operation);
        const generated = fc.sample(requests(operation, world.pools), {
          numRuns: PER_OPERATION,
          seed: SEED + index,
        });
        const tally: Tally = {
          operation: name,
          requests: 0,
          verdicts: {
            '2xx': 0,
            '4xx': 0,
            '5xx': 0,
            'documented 5xx': 0,
            other: 0,
            'no answer': 0,
            unsendable: 0,
          },
          snapshots: 0,
          milliseconds: 0,
        };
        const operationStarted = Date.now();
        tallies.push(tally);
        for (let start = 0; start < generated.length; start += BATCH) {
          const batch = generated.slice(start, start + BATCH);
          const verdicts = await inParallel(batch, CONCURRENCY, async (request: FuzzRequest) => {
            const authorization = world.authorization(request.as, forServices(operation));
            const answer = await client.send({
              ...request,
              headers: { ...(authorization ? { authorization } : {}), ...request.headers },
            });
            const { verdict, finding } = judge(operation, answer);
            if (verdict !== 'unsendable') tally.requests += 1;
            tally.verdicts[verdict] += 1;
            if (finding) findings.push(`${name}: ${finding} ← ${oneLine(request)}`);
            return verdict;
          });
          // The quick run compares snapshots around the operations that write only.
          if (!FULL && operation.method === 'GET') continue;
          // Only a batch of refusals proves "changes nothing"; after a success the practice may rightly differ.
          const accepted = verdicts.includes('2xx');
          const after = accepted ? await settled(world) : await world.snapshot();
          tally.snapshots += 1;
          if (!accepted) {
            for (const read of changes(baseline, after)) {
              findings.push(`${name}: refused requests changed ${read}`);
            }
          }
          baseline = after;
        }
        tally.milliseconds = Date.now() - operationStarted;
        if (FULL)
          console.info(`${name}: ${tally.requests} requests in ${tally.milliseconds} ms`, tally.verdicts);
      }
      // The gateway and every service are still up and ready.
      expect((await fetch(`${system.url}/readyz`)).status).toBe(200);
    } finally {
      await client.close();
    }
    expect(findings.slice(0, 50)).toEqual([]);
  }, 1_800_000);
});

/** A request in a line for the report: enough to replay it. */
function oneLine(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? ''
      : ` body=${(Buffer.isBuffer(request.body) ? request.body.toString('latin1') : request.body).slice(0, 160)}`;
  return `${request.method} ${request.path.slice(0, 200)} as ${request.as} ${JSON.stringify(request.headers).slice(0, 200)}${body}`;
}

/**
 * The practice once the effects of accepted requests have landed (events reach
 * other services and inboxes a moment later): two equal snapshots in a row.
 */
async function settled(world: FuzzWorld): Promise<Record<string, string>> {
  let previous = await world.snapshot();
  for (let attempt = 0; attempt < 40; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await world.snapshot();
    if (changes(previous, next).length === 0) return next;
    previous = next;
  }
  return previous;
}
