/**
 * Scenario 3, a mixed user model after Mattermost's load tests: each user
 * holds a socket and, every think time (20 s ± 50%), does one thing: post
 * (7%), switch chat and read its newest page (48%), scroll back a page (15%),
 * check their chat list for unread counts (7%), or nothing (23%). Users are
 * the load chats' members in turn; past their number, people get a second
 * device.
 */

import type { Dispatcher } from 'undici';
import type WebSocket from 'ws';
import type { Layout } from '../seed';
import { Latency, type Percentiles } from './latency';
import { openSockets } from './sockets';
import { as, postPath, type Target } from './target';

export interface MixedResult extends Percentiles {
  users: number;
  actions_per_s: number;
  errors: number;
}

interface User {
  personId: string;
  chatId: string;
  cursor: string | null;
}

export class MixedUsers {
  private readonly users: User[] = [];
  private readonly sockets: WebSocket[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private latency = new Latency();
  private errors = 0;
  private serial = 0;

  constructor(
    private readonly target: Target,
    private readonly http: Dispatcher,
    private readonly layout: Layout,
    private readonly thinkMs: number,
  ) {}

  /** Brings the number of users up to `count`, then measures their actions for `seconds`. */
  async step(count: number, seconds: number): Promise<MixedResult> {
    const seats = this.layout.loadChats.flatMap((chat) =>
      chat.members.map((personId) => ({ personId, chatId: chat.id })),
    );
    const joining: User[] = [];
    for (let n = this.users.length; n < count; n++)
      joining.push({ ...seats[n % seats.length]!, cursor: null });
    this.sockets.push(
      ...(await openSockets(
        this.target,
        joining.map((user) => user.personId),
        () => {},
      )),
    );
    for (const user of joining) {
      this.users.push(user);
      this.schedule(user, Math.random() * this.thinkMs);
    }
    this.latency = new Latency();
    this.errors = 0;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return {
      users: this.users.length,
      actions_per_s: Math.round(this.latency.count / seconds),
      ...this.latency.percentiles(),
      errors: this.errors,
    };
  }

  private schedule(user: User, delayMs: number): void {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      await this.act(user);
      this.schedule(user, this.thinkMs * (0.5 + Math.random()));
    }, delayMs);
    this.timers.add(timer);
  }

  private async act(user: User): Promise<void> {
    const roll = Math.random();
    const history = `/v1/chats/${user.chatId}/messages?limit=50`;
    let request: Dispatcher.RequestOptions;
    if (roll < 0.07) {
      request = {
        method: 'POST',
        path: postPath(this.target, user.chatId),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body: `mixed ${this.serial++}` }),
      };
    } else if (roll < 0.55) request = { method: 'GET', path: history };
    else if (roll < 0.7) {
      request = { method: 'GET', path: user.cursor ? `${history}&cursor=${user.cursor}` : history };
    } else if (roll < 0.77) request = { method: 'GET', path: '/v1/chats?limit=50' };
    else return;
    const sentAt = performance.now();
    try {
      const response = await this.http.request({
        ...request,
        headers: { ...request.headers, ...(await as(this.target, user.personId)) },
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) {
        this.errors++;
        return;
      }
      this.latency.record(performance.now() - sentAt);
      if (request.method === 'GET' && request.path.includes('/messages')) {
        user.cursor = (JSON.parse(text) as { nextCursor: string | null }).nextCursor;
      }
    } catch {
      this.errors++;
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.terminate();
  }
}
