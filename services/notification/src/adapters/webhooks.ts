import type { WebhookPoster } from '../app/outbound-ports';

const WEBHOOK_TIMEOUT_MS = 10_000;

/** Webhooks over fetch: 10 s per attempt, no redirects followed; the receiver's body is dropped. */
export function httpWebhooks(): WebhookPoster {
  return {
    post: async ({ url, headers, body, signal }) => {
      const reply = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      await reply.body?.cancel();
      return { status: reply.status };
    },
  };
}
