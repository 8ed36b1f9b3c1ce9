/**
 * The load generator: a child process of its own, so that its CPU is not the
 * measured servers' and theirs is not its. Takes commands over IPC from
 * bench/load/index.ts and answers each with its figures.
 */
import { Pool } from 'undici';
import type { Layout } from '../seed';
import { MixedUsers } from './mixed';
import { PostDeliver } from './post-deliver';
import { readsAtDepth } from './reads';
import type { Target } from './target';

export type Command =
  | { type: 'init'; target: Target; layout: Layout; thinkMs: number }
  | { type: 'postStep'; rate: number; seconds: number }
  | { type: 'oneChat'; writers: number; seconds: number }
  | { type: 'reads'; requests: number; seconds: number }
  | { type: 'mixedStep'; users: number; seconds: number };

let setup: { target: Target; layout: Layout; thinkMs: number; http: Pool } | undefined;
let postDeliver: PostDeliver | undefined;
let mixed: MixedUsers | undefined;

/** The post → deliver sockets, opened on first use. */
async function connected(): Promise<PostDeliver> {
  if (!setup) throw new Error('init first');
  if (!postDeliver) {
    postDeliver = new PostDeliver(setup.target, setup.http, setup.layout);
    await postDeliver.connect();
  }
  return postDeliver;
}

async function run(command: Command): Promise<unknown> {
  if (command.type === 'init') {
    // Keep-alive connections, enough for the offered rate never to queue in the client.
    const http = new Pool(command.target.url, { connections: 256, keepAliveTimeout: 60_000 });
    setup = { ...command, http };
    return null;
  }
  if (!setup) throw new Error('init first');
  const { target, layout, thinkMs, http } = setup;
  switch (command.type) {
    case 'postStep':
      return (await connected()).step(command.rate, command.seconds);
    case 'oneChat':
      return (await connected()).oneChat(command.writers, command.seconds);
    case 'reads':
      return readsAtDepth(target, http, layout, command.requests, command.seconds);
    case 'mixedStep':
      // The post → deliver sockets would receive the users' posts too: one scenario at a time.
      postDeliver?.close();
      postDeliver = undefined;
      mixed ??= new MixedUsers(target, http, layout, thinkMs);
      return mixed.step(command.users, command.seconds);
  }
}

process.on('message', async ({ id, command }: { id: number; command: Command }) => {
  try {
    process.send!({ id, result: await run(command) });
  } catch (error) {
    process.send!({ id, error: (error as Error).stack ?? String(error) });
  }
});
process.send!({ ready: true });
