/**
 * Scenario 1, post → deliver: posts at an offered rate, spread round-robin
 * over the chats, each by one of the chat's members in turn, while every
 * member has a socket open. A post's latency runs from when it was due to be
 * sent (so a backed-up client does not hide a slow server) to its receipt on
 * the LAST of the chat's sockets.
 */

import type { Dispatcher } from 'undici';
import type WebSocket from 'ws';
import { round } from '../procstat';
import type { Layout } from '../seed';
import { Latency, type Percentiles } from './latency';
import { benchBody, openSockets } from './sockets';
import { as, postPath, type Target } from './target';

export interface StepResult extends Percentiles {
  offered_per_s: number;
  posts_per_s: number;
  deliveries_per_s: number;
  /** Posts refused (non-2xx) or failed. */
  errors: number;
  /** The errors by HTTP status, or `network`. */
  refused: Record<string, number>;
  /** Accepted posts not seen on every socket of their chat within the grace period. */
  undelivered: number;
  /** Posts not sent because too many were already in flight. */
  skipped: number;
  accept: Percentiles;
}

/** Scenario 1b: writers into one chat (see `oneChat`). */
export interface OneChatResult extends Percentiles {
  writers: number;
  posts_per_s: number;
  deliveries_per_s: number;
  errors: number;
  refused: Record<string, number>;
  undelivered: number;
  accept: Percentiles;
}

const MAX_IN_FLIGHT = 2_000;
// Long enough for a busy machine's stragglers; a post later than this counts as undelivered.
const DRAIN_MS = 10_000;

interface Pending {
  dueAt: number;
  remaining: number;
}

export class PostDeliver {
  private readonly pending = new Map<string, Pending>();
  private delivered = 0;
  private lastDeliveryAt = 0;
  private latency = new Latency();
  private sockets: WebSocket[] = [];
  private serial = 0;

  constructor(
    private readonly target: Target,
    private readonly http: Dispatcher,
    private readonly layout: Layout,
  ) {}

  /** One socket for every member of every chat. */
  async connect(): Promise<void> {
    const people = [...new Set(this.layout.loadChats.flatMap((chat) => chat.members))];
    this.sockets = await openSockets(this.target, people, (frame) => this.received(frame));
  }

  private received(frame: string): void {
    const body = benchBody(frame);
    const post = body && this.pending.get(body);
    if (!post) return;
    this.delivered++;
    this.lastDeliveryAt = performance.now();
    if (--post.remaining === 0) {
      this.pending.delete(body);
      this.latency.record(performance.now() - post.dueAt);
    }
  }

  /** Offers `rate` posts a second for `seconds`, then waits for the last deliveries. */
  async step(rate: number, seconds: number): Promise<StepResult> {
    this.latency = new Latency();
    this.delivered = 0;
    this.pending.clear();
    const accept = new Latency();
    const chats = this.layout.loadChats;
    let sent = 0;
    let accepted = 0;
    let lastAcceptedAt = 0;
    const refused: Record<string, number> = {};
    let skipped = 0;
    let inFlight = 0;
    const requests: Promise<void>[] = [];
    const startedAt = performance.now();
    const total = Math.round(rate * seconds);

    const post = async (n: number, dueAt: number) => {
      const chat = chats[n % chats.length]!;
      const author = chat.members[Math.floor(n / chats.length) % chat.members.length]!;
      inFlight++;
      const outcome = await this.send(chat, author, dueAt);
      inFlight--;
      if (outcome === 'accepted') {
        accepted++;
        lastAcceptedAt = performance.now();
        accept.record(performance.now() - dueAt);
      } else refused[outcome] = (refused[outcome] ?? 0) + 1;
    };

    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const dueAt = startedAt + (sent / rate) * 1000;
        if (inFlight >= MAX_IN_FLIGHT) skipped++;
        else requests.push(post(sent, dueAt));
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const sentFor = (performance.now() - startedAt) / 1000;
    await Promise.all(requests);
    await this.drain();
    // Rates over the time the work took: at least the offering, longer when the server fell behind.
    const acceptedFor = Math.max(sentFor, (lastAcceptedAt - startedAt) / 1000);
    const deliveredFor = Math.max(sentFor, (this.lastDeliveryAt - startedAt) / 1000);
    const undelivered = this.pending.size;
    this.pending.clear();
    return {
      offered_per_s: rate,
      posts_per_s: round(accepted / acceptedFor, 1),
      deliveries_per_s: round(this.delivered / deliveredFor, 1),
      ...this.latency.percentiles(),
      errors: Object.values(refused).reduce((a, b) => a + b, 0),
      refused,
      undelivered,
      skipped,
      accept: accept.percentiles(),
    };
  }

  /**
   * `writers` people posting into ONE chat at once, each as soon as their
   * last post was answered (closed loop), for `seconds`: what the chat's
   * per-chat ordering (its seq, its row lock) lets through. Latency runs from
   * the send to the chat's last socket.
   */
  async oneChat(writers: number, seconds: number): Promise<OneChatResult> {
    this.latency = new Latency();
    this.delivered = 0;
    this.pending.clear();
    const accept = new Latency();
    const chat = this.layout.loadChats[0]!;
    const refused: Record<string, number> = {};
    let accepted = 0;
    const startedAt = performance.now();
    const endAt = startedAt + seconds * 1000;
    const writer = async (w: number) => {
      const author = chat.members[w % chat.members.length]!;
      while (performance.now() < endAt) {
        const sentAt = performance.now();
        const outcome = await this.send(chat, author, sentAt);
        if (outcome === 'accepted') {
          accepted++;
          accept.record(performance.now() - sentAt);
        } else refused[outcome] = (refused[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    const postedFor = (performance.now() - startedAt) / 1000;
    await this.drain();
    const deliveredFor = Math.max(postedFor, (this.lastDeliveryAt - startedAt) / 1000);
    const undelivered = this.pending.size;
    this.pending.clear();
    return {
      writers,
      posts_per_s: round(accepted / postedFor, 1),
      deliveries_per_s: round(this.delivered / deliveredFor, 1),
      ...this.latency.percentiles(),
      errors: Object.values(refused).reduce((a, b) => a + b, 0),
      refused,
      undelivered,
      accept: accept.percentiles(),
    };
  }

  /** Posts once as `author`; the post is then awaited on every socket of the chat. */
  private async send(
    chat: { id: string; members: string[] },
    author: string,
    dueAt: number,
  ): Promise<'accepted' | string> {
    const body = `bench ${this.serial++}`;
    this.pending.set(body, { dueAt, remaining: chat.members.length });
    try {
      const response = await this.http.request({
        method: 'POST',
        path: postPath(this.target, chat.id),
        headers: { ...(await as(this.target, author)), 'content-type': 'application/json' },
        body: JSON.stringify({ body }),
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return 'accepted';
      this.pending.delete(body);
      return String(response.statusCode);
    } catch {
      this.pending.delete(body);
      return 'network';
    }
  }

  /** Waits for the last deliveries, up to the grace period. */
  private async drain(): Promise<void> {
    const drainUntil = performance.now() + DRAIN_MS;
    while (this.pending.size > 0 && performance.now() < drainUntil) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
  }
}
