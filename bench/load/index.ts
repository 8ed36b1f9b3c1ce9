import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Layout } from '../seed';
import type { MixedResult } from './mixed';
import type { OneChatResult, StepResult } from './post-deliver';
import type { ReadResult } from './reads';
import type { Target } from './target';
import type { Command } from './worker';

export type { MixedResult, OneChatResult, ReadResult, StepResult, Target };

const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** A load generator in a child process, driving one target. */
export class LoadGenerator {
  private serial = 0;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(`load generator: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`load generator exited (${code})`));
    });
  }

  static async start(target: Target, layout: Layout, thinkMs: number): Promise<LoadGenerator> {
    const child = fork(worker, { execArgv: ['--import', 'tsx'] });
    await once(child, 'message');
    const generator = new LoadGenerator(child);
    await generator.run({ type: 'init', target, layout, thinkMs });
    return generator;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private run<T>(command: Command): Promise<T> {
    const id = this.serial++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  postStep = (rate: number, seconds: number) => this.run<StepResult>({ type: 'postStep', rate, seconds });
  oneChat = (writers: number, seconds: number) =>
    this.run<OneChatResult>({ type: 'oneChat', writers, seconds });
  reads = (requests: number, seconds: number) =>
    this.run<Record<string, ReadResult>>({ type: 'reads', requests, seconds });
  mixedStep = (users: number, seconds: number) =>
    this.run<MixedResult>({ type: 'mixedStep', users, seconds });

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}
