import { huddleMeter } from '@huddle/telemetry';
import type { MessageCounters } from './app/messages';

/** The chat service's counters, on the process's Prometheus `/metrics`. No labels: nothing about who or where. */
export function messageCounters(): MessageCounters {
  const posted = huddleMeter().createCounter('huddle_messages_posted_total', {
    description: 'Messages posted (posts and replies; an idempotent repeat is not counted)',
  });
  // Shown from the start, so a rate over it works before the first post.
  posted.add(0);
  return { posted: () => posted.add(1) };
}
