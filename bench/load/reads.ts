/**
 * Scenario 2, reads at depth: a history page far back in the long chat (a
 * cursor from the oldest tenth to the newest tenth, chosen at random), a
 * page of its thread, and the first page of the chat list of the person in
 * the most chats, with unread counts. Each kind runs `requests` times, or
 * for `seconds` at most, 4 at a time.
 */
import { seqCursor } from '@huddle/paging';
import type { Dispatcher } from 'undici';
import { round } from '../procstat';
import type { Layout } from '../seed';
import { Latency, type Percentiles } from './latency';
import { as, type Target } from './target';

export interface ReadResult extends Percentiles {
  per_s: number;
  errors: number;
}

export async function readsAtDepth(
  target: Target,
  http: Dispatcher,
  layout: Layout,
  requests: number,
  seconds: number,
  concurrency = 4,
): Promise<Record<string, ReadResult>> {
  const { chatId, threadId, topLevel } = layout.history;
  const headers = await as(target, layout.reader);
  const deep = () => {
    const seq = Math.floor(topLevel * (0.1 + Math.random() * 0.8));
    return `/v1/chats/${chatId}/messages?limit=50&cursor=${seqCursor.encode(seq)}`;
  };
  const kinds: Record<string, () => string> = {
    history_page_deep: deep,
    thread_page: () => `/v1/chats/${chatId}/messages/${threadId}/replies?limit=50`,
    chat_list: () => '/v1/chats?limit=50',
  };
  const results: Record<string, ReadResult> = {};
  for (const [name, path] of Object.entries(kinds)) {
    const latency = new Latency();
    let errors = 0;
    let next = 0;
    const startedAt = performance.now();
    const deadline = startedAt + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests && performance.now() < deadline) {
          next++;
          const sentAt = performance.now();
          const response = await http.request({ method: 'GET', path: path(), headers });
          await response.body.dump();
          if (response.statusCode === 200) latency.record(performance.now() - sentAt);
          else errors++;
        }
      }),
    );
    results[name] = {
      per_s: round(next / ((performance.now() - startedAt) / 1000), 1),
      ...latency.percentiles(),
      errors,
    };
  }
  return results;
}
