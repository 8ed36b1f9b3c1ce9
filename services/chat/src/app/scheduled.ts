import { randomUUID } from 'node:crypto';
import { HuddleError, invalid, notFound } from '@huddle/errors';
import type { Logger } from '@huddle/logging';
import { pageLimit, splitPage, timeCursor } from '@huddle/paging';
import { assertMayReplyTo, assertMayWrite, type NewMessage, validateNewMessage } from '../domain/message';
import {
  isRefusal,
  postKeyOf,
  SCHEDULED_STATUSES,
  type ScheduledMessage,
  type ScheduledStatus,
  validateSendAt,
} from '../domain/scheduled';
import type { Attachments } from './attachments';
import { BackgroundLoop } from './background-loop';
import type { Chats } from './chats';
import type { Messages } from './messages';
import type { ChatStore, Reader, UnitOfWork } from './ports';

export const DEFAULT_SCHEDULED_PAGE = 50;
export const MAX_SCHEDULED_PAGE = 200;

const beingSent = () =>
  new HuddleError('conflict', 'This scheduled message is being sent right now; it can no longer change');

/**
 * X2: an author's scheduled posts and replies: schedule, list, edit, cancel. Only their
 * author ever sees them; to anyone else they do not exist (404).
 */
export class ScheduledMessages {
  constructor(
    private readonly db: Reader,
    private readonly store: Pick<ChatStore, 'scheduled' | 'messages'>,
    private readonly chats: Chats,
    private readonly messages: Messages,
    private readonly attachments: Attachments,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The rules a post would meet now, asked early so the author hears of a mistake at once. */
  private async assertMayPost(practiceId: string, chatId: string, authorId: string, content: NewMessage) {
    const access = await this.chats.access(chatId, authorId, practiceId);
    assertMayWrite(access.chat, authorId);
    if (content.parentId !== null) {
      assertMayReplyTo(access.chat, await this.store.messages.get(this.db, content.parentId));
    }
    await this.messages.assertMentionable(access, content.mentions);
    await this.attachments.assertUsable(practiceId, authorId, content.attachmentIds);
  }

  async schedule(request: {
    practiceId: string;
    chatId: string;
    authorId: string;
    message: NewMessage;
    sendAt: string;
  }): Promise<ScheduledMessage> {
    const content = validateNewMessage(request.message);
    const sendAt = validateSendAt(request.sendAt, this.now());
    await this.assertMayPost(request.practiceId, request.chatId, request.authorId, content);
    const now = this.now().toISOString();
    const scheduled: ScheduledMessage = {
      id: randomUUID(),
      practiceId: request.practiceId,
      chatId: request.chatId,
      authorId: request.authorId,
      ...content,
      sendAt: sendAt.toISOString(),
      status: 'pending',
      messageId: null,
      failure: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.scheduled.insert(this.db, scheduled);
    return scheduled;
  }

  /** The author's scheduled messages of one status (pending by default), soonest first. */
  async list(request: {
    practiceId: string;
    authorId: string;
    status: string;
    cursor: string;
    limit: number;
  }) {
    const status = (request.status || 'pending') as ScheduledStatus;
    if (!SCHEDULED_STATUSES.includes(status)) throw invalid('status must be pending, sent or failed');
    const limit = pageLimit(request.limit, DEFAULT_SCHEDULED_PAGE, MAX_SCHEDULED_PAGE);
    const after = request.cursor ? timeCursor.decode(request.cursor) : null;
    const rows = await this.store.scheduled.list(this.db, {
      practiceId: request.practiceId,
      authorId: request.authorId,
      status,
      after,
      limit: limit + 1,
    });
    const { page, more } = splitPage(rows, limit);
    const last = page.at(-1);
    return {
      scheduled: page,
      nextCursor: more && last ? timeCursor.encode(new Date(last.sendAt), last.id) : '',
    };
  }

  /** Changes a pending message: what is left out stays; the rules are asked again. */
  async edit(request: {
    practiceId: string;
    authorId: string;
    id: string;
    changes: Partial<NewMessage> & { sendAt?: string };
  }): Promise<ScheduledMessage> {
    const found = await this.store.scheduled.find(this.db, request.practiceId, request.authorId, request.id);
    if (!found) throw notFound('Scheduled message');
    const { message: current } = found;
    if (current.status !== 'pending') throw invalid(`A ${current.status} message can no longer be edited`);
    if (found.claimed) throw beingSent();
    const { sendAt, ...changes } = request.changes;
    const content = validateNewMessage({
      body: changes.body ?? current.body,
      parentId: changes.parentId === undefined ? current.parentId : changes.parentId,
      mentions: changes.mentions ?? current.mentions,
      attachmentIds: changes.attachmentIds ?? current.attachmentIds,
    });
    const at = sendAt === undefined ? current.sendAt : validateSendAt(sendAt, this.now()).toISOString();
    await this.assertMayPost(current.practiceId, current.chatId, current.authorId, content);
    const updated = await this.store.scheduled.update(this.db, current, { ...content, sendAt: at });
    // Claimed (or sent) between the look and the change.
    if (!updated) throw beingSent();
    return updated;
  }

  /** Cancels a pending message (or dismisses a failed one): it is gone. */
  async cancel(request: { practiceId: string; authorId: string; id: string }): Promise<void> {
    const found = await this.store.scheduled.find(this.db, request.practiceId, request.authorId, request.id);
    if (!found) throw notFound('Scheduled message');
    if (found.message.status === 'sent')
      throw invalid('A sent message is a message now: delete that instead');
    if (
      found.claimed ||
      !(await this.store.scheduled.cancel(this.db, request.practiceId, request.authorId, request.id))
    ) {
      throw beingSent();
    }
  }
}

export interface SchedulerConfig {
  /** How often due messages are looked for. */
  pollMs: number;
  /** How long a claim keeps other schedulers off a message: longer than any post takes. */
  leaseMs: number;
}

/** At most this many messages per claim; a full batch is followed at once by the next. */
const BATCH = 50;

/**
 * X2: sends scheduled messages at their time through the one post use-case, so the full
 * post rules run then (membership, lock, style, mentions, attachments). Any number of
 * replicas run one each: a claim (FOR UPDATE SKIP LOCKED, then a lease) gives each due
 * message to one of them, and the scheduled id as the post's Idempotency-Key makes a
 * second send after a lost claim answer the first post instead of posting again.
 */
export class Scheduler {
  private readonly loop: BackgroundLoop<number>;

  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'scheduled'>,
    private readonly messages: Pick<Messages, 'post'>,
    private readonly config: SchedulerConfig,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
  ) {
    this.loop = new BackgroundLoop<number>(
      'scheduled messages',
      () => this.runOnce(),
      (claimed) => (claimed === BATCH ? 0 : config.pollMs),
      logger,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and lets the messages being sent finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Claims the due messages and sends them, oldest first; returns how many it claimed. */
  async runOnce(): Promise<number> {
    const due = await this.store.scheduled.claimDue(this.db, BATCH, this.config.leaseMs);
    for (const scheduled of due) await this.send(scheduled);
    return due.length;
  }

  private async send(scheduled: ScheduledMessage): Promise<void> {
    const log = { scheduledMessageId: scheduled.id, chatId: scheduled.chatId };
    try {
      const { message } = await this.messages.post({
        chatId: scheduled.chatId,
        practiceId: scheduled.practiceId,
        authorId: scheduled.authorId,
        message: {
          body: scheduled.body,
          parentId: scheduled.parentId,
          mentions: scheduled.mentions,
          attachmentIds: scheduled.attachmentIds,
        },
        idempotencyKey: postKeyOf(scheduled.id),
      });
      await this.store.scheduled.settle(this.db, scheduled.id, { status: 'sent', messageId: message.id });
    } catch (error) {
      if (error instanceof HuddleError && error.code === 'idempotency_key_reused') {
        // An earlier claim posted it before an edit, and died before recording that: it was sent.
        await this.store.scheduled.settle(this.db, scheduled.id, { status: 'sent', messageId: null });
        return;
      }
      if (!isRefusal(error)) {
        // The claim lapses and the message is tried again then.
        this.logger.warn({ ...log, err: error }, 'scheduled message: send failed; will retry');
        return;
      }
      await this.work.transaction(async (tx, emit) => {
        const failed = await this.store.scheduled.settle(tx, scheduled.id, {
          status: 'failed',
          code: error.code,
          message: error.message,
        });
        if (!failed) return;
        await emit('chat.v1.scheduled_message.failed', {
          practiceId: scheduled.practiceId,
          chatId: scheduled.chatId,
          authorId: scheduled.authorId,
          scheduledMessageId: scheduled.id,
          reason: error.code,
        });
      });
      this.logger.info({ ...log, reason: error.code }, 'scheduled message: refused at its time');
    }
  }
}
