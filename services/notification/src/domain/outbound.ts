import { createHmac } from 'node:crypto';
import type { NotificationData } from '@huddle/contracts';
import { invalid } from '@huddle/errors';

/** A practice's outbound channels (N1); the secret never leaves the service. */
export interface PracticeChannels {
  practiceId: string;
  webhookUrl: string | null;
  webhookSecretSet: boolean;
  emailEnabled: boolean;
  includeContent: boolean;
}

export const SECRET_MIN = 16;
export const SECRET_MAX = 256;
const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** Checks a settings change; a webhook needs a secret, given now or kept from before. */
export function checkChannels(input: {
  webhookUrl: string | null;
  webhookSecret: string | null;
  secretAlreadySet: boolean;
}) {
  const problems: Record<string, string> = {};
  if (input.webhookUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(input.webhookUrl);
    } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || input.webhookUrl.length > 2048)
      problems.webhookUrl = 'must be an http(s) URL';
    if (input.webhookSecret === null && !input.secretAlreadySet)
      problems.webhookSecret = 'a webhook needs a secret to sign with';
  }
  if (input.webhookUrl === null && input.webhookSecret !== null)
    problems.webhookSecret = 'a secret needs a webhook URL';
  else if (
    input.webhookSecret !== null &&
    (input.webhookSecret.length < SECRET_MIN || input.webhookSecret.length > SECRET_MAX)
  )
    problems.webhookSecret = `must be ${SECRET_MIN}-${SECRET_MAX} characters`;
  if (Object.keys(problems).length > 0)
    throw invalid('The notification settings are not valid', { fields: problems });
}

/**
 * `Huddle-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`:
 * the timestamp is signed too, so a receiver can refuse old replays.
 */
export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** Delay before the retry that follows failed attempt number `attempts` (1-based): doubling, capped at 1 h. */
export function backoffDelay(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** What a webhook receiver gets: ids only, and the message text only when the practice includes content. */
export function webhookBody(
  practiceId: string,
  personId: string,
  notification: NotificationData,
  content: string | null,
) {
  return {
    type: 'notification.created' as const,
    practiceId,
    personId,
    notification: {
      id: notification.id,
      type: notification.type,
      chatId: notification.chatId,
      messageId: notification.messageId,
      createdAt: notification.createdAt,
      ...(content !== null ? { body: content } : {}),
    },
  };
}

/**
 * A delivery body without message text: what is kept once a delivery is done,
 * so message content does not linger in the outbound table.
 */
export function withoutContent(channel: 'webhook' | 'email', body: unknown): unknown {
  if (channel === 'email') return { contents: [] };
  const webhook = body as ReturnType<typeof webhookBody>;
  const { body: _text, ...notification } = webhook.notification as typeof webhook.notification & {
    body?: string;
  };
  return { ...webhook, notification };
}

export const EMAIL_SUBJECT = 'You have new messages in Huddle';

/** The email for one chat: content-free (the unread count only) unless the practice includes content. */
export function emailText(unread: number, contents: string[]): string {
  const count = `You have ${unread} unread notification${unread === 1 ? '' : 's'} in this chat.`;
  const lines = [EMAIL_SUBJECT, '', count];
  if (contents.length > 0) lines.push('', ...contents.map((text) => `> ${text.replaceAll('\n', '\n> ')}`));
  lines.push('', 'Open Huddle to read and reply.');
  return lines.join('\n');
}
