import { randomUUID } from 'node:crypto';
import type { NotificationData } from '@huddle/contracts';
import { type Transaction, withLease } from '@huddle/db';
import { type Logger, safeError } from '@huddle/logging';
import type { OutboundConfig } from '../config';
import {
  backoffDelay,
  EMAIL_SUBJECT,
  emailText,
  signWebhook,
  webhookBody,
  withoutContent,
} from '../domain/outbound';
import type { Clock, Mailer, People, WebhookPoster } from './outbound-ports';
import type { Delivery, NotificationStore, Participants, Reader } from './ports';

/** What an email delivery row holds: the texts only when the practice includes content. */
interface EmailBody {
  contents: string[];
}

const BATCH = 20;
/** An email quotes at most this many messages (the latest), when content is included. */
const MAX_QUOTED = 10;
const STOP_GRACE_MS = 3_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** Finished rows are kept a week (longer than any email window), dead-letter records a month. */
const KEEP_DONE_MS = 7 * DAY_MS;
const KEEP_DEAD_MS = 30 * DAY_MS;

type Outcome =
  | { status: 'delivered' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string; final?: boolean };

/**
 * Outbound channels (N1): webhooks and email. Deliveries are written in the
 * transaction that creates the notifications, so none is lost or doubled, and
 * sent by a polling worker with retries; both are content-free unless the
 * practice turns content on.
 */
export class Outbound {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private stopped = true;
  /** Aborts webhook posts still running when the stop grace period ends. */
  private readonly halt = new AbortController();
  private lastPrune = 0;

  constructor(
    private readonly db: Reader,
    private readonly store: Pick<NotificationStore, 'channels' | 'deliveries'>,
    private readonly config: OutboundConfig,
    private readonly ports: {
      webhooks: WebhookPoster;
      mailer: Mailer | null;
      people: People;
      participants: Participants;
      clock: Clock;
    },
    private readonly logger: Logger,
  ) {}

  /** Queues what the practice's channels call for; `content` is the message text, if any. */
  async notificationsCreated(
    tx: Transaction,
    practiceId: string,
    created: Array<{ personId: string; notification: NotificationData }>,
    content: string | null,
  ): Promise<void> {
    if (created.length === 0) return;
    const channels = await this.store.channels.get(tx, practiceId);
    if (!channels) return;
    const text = channels.includeContent ? content : null;
    if (channels.webhookUrl && channels.webhookSecret) {
      await this.store.deliveries.insert(
        tx,
        created.map(({ personId, notification }) => ({
          id: randomUUID(),
          channel: 'webhook' as const,
          practiceId,
          url: channels.webhookUrl,
          personId,
          chatId: notification.chatId,
          body: webhookBody(practiceId, personId, notification, text),
        })),
      );
    }
    if (channels.emailEnabled && this.ports.mailer) {
      for (const { personId, notification } of created) {
        await this.queueEmail(tx, practiceId, personId, notification.chatId, text);
      }
    }
  }

  /** One email per chat per person per window: a new notification joins the email already waiting. */
  private async queueEmail(
    tx: Transaction,
    practiceId: string,
    personId: string,
    chatId: string,
    text: string | null,
  ) {
    const waiting = await this.store.deliveries.waitingEmail(tx, practiceId, personId, chatId);
    if (waiting) {
      if (text !== null) {
        const body = waiting.body as EmailBody;
        await this.store.deliveries.setBody(tx, waiting.id, {
          contents: [...body.contents, text].slice(-MAX_QUOTED),
        });
      }
      return;
    }
    const now = this.ports.clock.now();
    const last = await this.store.deliveries.lastEmailAt(tx, practiceId, personId, chatId);
    const due = last ? Math.max(now.getTime(), last.getTime() + this.config.email.windowMs) : now.getTime();
    await this.store.deliveries.insert(tx, [
      {
        id: randomUUID(),
        channel: 'email',
        practiceId,
        personId,
        chatId,
        body: { contents: text === null ? [] : [text] } satisfies EmailBody,
        nextAttemptAt: new Date(due),
      },
    ]);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /**
   * Stops polling and lets deliveries being sent finish for up to `graceMs`;
   * webhook posts still running then are aborted and recorded as failed
   * attempts, to be retried by whichever instance runs next.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.tick, new Promise((resolve) => (grace = setTimeout(resolve, graceMs)))]);
    clearTimeout(grace);
    this.halt.abort();
    await this.tick;
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.runOnce()
        .then(() => undefined)
        .catch((error) => this.logger.warn({ err: error }, 'outbound deliveries: poll failed'))
        .finally(() => this.schedule());
    }, this.config.pollMs);
  }

  /** Sends the deliveries that are due, and now and then forgets old finished ones; returns how many it tried. */
  async runOnce(): Promise<number> {
    const now = this.ports.clock.now();
    if (now.getTime() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      // Of several replicas one prunes at a time; one that finds the lease taken leaves it to that one.
      await withLease(this.db, 'outbound pruning', (tx) =>
        this.store.deliveries.prune(tx, {
          done: new Date(now.getTime() - KEEP_DONE_MS),
          dead: new Date(now.getTime() - KEEP_DEAD_MS),
        }),
      );
    }
    const due = await this.store.deliveries.claimDue(this.db, now, BATCH);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    return due.length;
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    let outcome: Outcome;
    try {
      outcome = await (delivery.channel === 'webhook'
        ? this.sendWebhook(delivery)
        : this.sendEmail(delivery));
    } catch (error) {
      outcome = { status: 'failed', error: describe(error) };
    }
    // Ids and outcomes only: never a body, an address or a secret.
    const log = this.logger.child({ deliveryId: delivery.id, channel: delivery.channel, attempts });
    if (outcome.status === 'delivered' || outcome.status === 'skipped') {
      await this.store.deliveries.finish(this.db, delivery.id, {
        status: outcome.status,
        attempts,
        error: outcome.status === 'skipped' ? outcome.reason : undefined,
        body: withoutContent(delivery.channel, delivery.body),
      });
      if (outcome.status === 'skipped') log.info({ reason: outcome.reason }, 'outbound delivery skipped');
      return;
    }
    if (outcome.final || attempts >= this.config.webhook.maxAttempts) {
      await this.store.deliveries.finish(this.db, delivery.id, {
        status: 'dead',
        attempts,
        error: outcome.error,
      });
      log.error({ error: outcome.error }, 'outbound delivery dead');
      return;
    }
    const delay = backoffDelay(this.config.webhook.backoffMs, attempts);
    await this.store.deliveries.finish(this.db, delivery.id, {
      status: 'pending',
      attempts,
      error: outcome.error,
      nextAttemptAt: new Date(this.ports.clock.now().getTime() + delay),
    });
    log.warn({ error: outcome.error, retryInMs: delay }, 'outbound delivery failed; will retry');
  }

  /** P4: a person removed from the chat since is not told about it, even from the queue. */
  private async stillInChat(delivery: Delivery): Promise<boolean> {
    const current = await this.ports.participants.list(delivery.chatId);
    return current.some((participant) => participant.personId === delivery.personId);
  }

  private async sendWebhook(delivery: Delivery): Promise<Outcome> {
    const channels = await this.store.channels.get(this.db, delivery.practiceId);
    if (!channels?.webhookSecret || !delivery.url)
      return { status: 'skipped', reason: 'the practice no longer has a webhook' };
    if (!(await this.stillInChat(delivery))) return { status: 'skipped', reason: 'no longer a participant' };
    const raw = JSON.stringify(delivery.body);
    const timestamp = Math.floor(this.ports.clock.now().getTime() / 1000);
    const reply = await this.ports.webhooks.post({
      signal: this.halt.signal,
      url: delivery.url,
      body: raw,
      headers: {
        'content-type': 'application/json',
        'huddle-delivery': delivery.id,
        'huddle-timestamp': String(timestamp),
        'huddle-signature': signWebhook(channels.webhookSecret, timestamp, raw),
      },
    });
    if (reply.status >= 200 && reply.status < 300) return { status: 'delivered' };
    return { status: 'failed', error: `HTTP ${reply.status}` };
  }

  private async sendEmail(delivery: Delivery): Promise<Outcome> {
    const mailer = this.ports.mailer;
    if (!mailer) return { status: 'skipped', reason: 'no mail server configured' };
    const channels = await this.store.channels.get(this.db, delivery.practiceId);
    if (!channels?.emailEnabled) return { status: 'skipped', reason: 'the practice turned email off' };
    if (!(await this.stillInChat(delivery))) return { status: 'skipped', reason: 'no longer a participant' };
    const unread = await this.store.deliveries.unreadInChat(
      this.db,
      delivery.practiceId,
      delivery.personId,
      delivery.chatId,
    );
    if (unread === 0) return { status: 'skipped', reason: 'nothing unread' };
    const address = (await this.ports.people.emails(delivery.practiceId, [delivery.personId])).get(
      delivery.personId,
    );
    if (!address) return { status: 'skipped', reason: 'the person has no email address' };
    // Content only if the practice still includes it now.
    const contents = channels.includeContent ? (delivery.body as EmailBody).contents : [];
    try {
      await mailer.send({ to: address, subject: EMAIL_SUBJECT, text: emailText(unread, contents) });
    } catch (error) {
      // The server's reply may quote the address: keep only its code.
      const code =
        (error as { responseCode?: number; code?: string }).responseCode ?? (error as { code?: string }).code;
      return { status: 'failed', error: `SMTP ${code ?? 'error'}` };
    }
    return { status: 'delivered' };
  }
}

/** An error's kind and message as a log line may carry it, never a request or response body. */
function describe(error: unknown): string {
  const safe = safeError(error);
  return `${safe.type}: ${safe.message ?? safe.code ?? ''}`.slice(0, 500);
}
