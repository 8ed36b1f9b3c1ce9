import type { Logger } from '@huddle/logging';

/**
 * The loop of a background job (X2 scheduler, C2 export worker, C3 retention): a run at
 * start, then the next `delayAfter(result)` ms after each run ends (`delayAfter(undefined)`
 * after a failed run, which is logged), until `stop`, which waits for the run in flight.
 */
export class BackgroundLoop<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  /** Set by `stop`: a long run checks it to end at its next step. */
  stopping = false;

  constructor(
    private readonly name: string,
    private readonly run: () => Promise<T>,
    private readonly delayAfter: (result: T | undefined) => number,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  start(): void {
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let result: T | undefined;
      this.running = this.run()
        .then((value) => {
          result = value;
        })
        .catch((error) => this.logger.warn({ err: error }, `${this.name}: run failed`))
        .finally(() => this.schedule(this.delayAfter(result)));
    }, delayMs);
  }
}
