import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RetentionAppliedEventData } from '@huddle/contracts';
import { forbidden, notFound } from '@huddle/errors';
import type { Logger } from '@huddle/logging';
import {
  agedPrefix,
  type LegalHold,
  type Retention,
  retentionCutoff,
  validateHoldReason,
  validateRetentionDays,
} from '../domain/retention';
import { BackgroundLoop } from './background-loop';
import type { ChatStore, Clock, Directory, FileStore, PurgeCounts, Reader, UnitOfWork } from './ports';

/**
 * C3: the practice owner's settings: the practice's retention period and each chat's legal
 * hold. They live here, beside the messages the job deletes, so a batch reads the hold in
 * its own transaction and a hold can never miss a batch that is running.
 */
export class RetentionSettings {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'retention' | 'chats' | 'members'>,
    private readonly directory: Directory,
  ) {}

  /** Only a practitioner whose team role is `owner` in the practice; anyone else: 403. */
  private async isPracticeOwner(practiceId: string, actorId: string): Promise<boolean> {
    const [actor] = await this.directory.people(practiceId, [actorId]);
    return actor?.kind === 'practitioner' && actor.teamRole === 'owner';
  }

  private async assertPracticeOwner(practiceId: string, actorId: string): Promise<void> {
    if (!(await this.isPracticeOwner(practiceId, actorId))) {
      throw forbidden('Only the practice owner manages retention and legal holds');
    }
  }

  async retention(request: { practiceId: string; actorId: string }): Promise<Retention> {
    await this.assertPracticeOwner(request.practiceId, request.actorId);
    return (
      (await this.store.retention.retention(this.db, request.practiceId)) ?? {
        practiceId: request.practiceId,
        days: null,
        updatedBy: null,
        updatedAt: null,
      }
    );
  }

  /** `days` 0 is none; otherwise 30 to 3650 (400 `validation_failed`, nothing changes). */
  async setRetention(request: { practiceId: string; actorId: string; days: number }): Promise<Retention> {
    const days = validateRetentionDays(request.days);
    await this.assertPracticeOwner(request.practiceId, request.actorId);
    return this.work.transaction(async (tx, emit) => {
      const { retention, previousDays } = await this.store.retention.setRetention(
        tx,
        request.practiceId,
        days,
        request.actorId,
      );
      await emit('chat.v1.retention.set', {
        practiceId: request.practiceId,
        actorId: request.actorId,
        days,
        previousDays,
      });
      return retention;
    });
  }

  /**
   * The chat must be of the caller's practice (else 404). A practice owner reaches every chat
   * of theirs, in it or not; anyone else gets 403 where they take part and 404 where they do
   * not (A1: to them the chat does not exist).
   */
  private async heldChat(practiceId: string, chatId: string, actorId: string) {
    const chat = await this.store.chats.get(this.db, chatId);
    if (!chat || chat.practiceId !== practiceId) throw notFound('Chat');
    if (await this.isPracticeOwner(practiceId, actorId)) return chat;
    if (await this.store.members.find(this.db, chatId, actorId)) {
      throw forbidden('Only the practice owner manages legal holds');
    }
    throw notFound('Chat');
  }

  async legalHold(request: { practiceId: string; chatId: string; actorId: string }): Promise<LegalHold> {
    const chat = await this.heldChat(request.practiceId, request.chatId, request.actorId);
    return (
      (await this.store.retention.legalHold(this.db, chat.id)) ?? {
        chatId: chat.id,
        held: false,
        reason: '',
        updatedBy: null,
        updatedAt: null,
      }
    );
  }

  /**
   * Puts a chat under legal hold or lifts it. Once this returns, no retention batch deletes
   * anything of the chat: the change waits for a batch running on it, and every later batch
   * reads it (the chat's retention lock).
   */
  async setLegalHold(request: {
    practiceId: string;
    chatId: string;
    actorId: string;
    held: boolean;
    reason: string;
  }): Promise<LegalHold> {
    const reason = validateHoldReason(request.reason);
    const chat = await this.heldChat(request.practiceId, request.chatId, request.actorId);
    return this.work.transaction(async (tx, emit) => {
      const { hold, changed } = await this.store.retention.setLegalHold(tx, {
        practiceId: chat.practiceId,
        chatId: chat.id,
        held: request.held,
        reason,
        actorId: request.actorId,
      });
      if (changed && hold.held) {
        await emit('chat.v1.legal_hold.set', {
          practiceId: chat.practiceId,
          chatId: chat.id,
          actorId: request.actorId,
          reason: hold.reason,
        });
      } else if (changed) {
        await emit('chat.v1.legal_hold.cleared', {
          practiceId: chat.practiceId,
          chatId: chat.id,
          actorId: request.actorId,
        });
      }
      return hold;
    });
  }
}

export interface RetentionJobConfig {
  /** How often a run starts (the replica holding the lease runs it). */
  intervalMs: number;
  /** At most this many messages (or files, or scheduled messages) per transaction. */
  batchSize: number;
  /** How long the lease keeps other replicas off; renewed after every batch. */
  leaseMs: number;
}

const LEASE = 'retention';
/** Chats read per page while sweeping a practice. */
const CHAT_PAGE = 200;

/** Raised when another replica took the lease over (ours ran out): this run stops. */
class LeaseLost extends Error {}

type Counts = Omit<RetentionAppliedEventData, 'practiceId' | 'days' | 'cutoff' | 'startedAt' | 'finishedAt'>;

const noCounts = (): Counts => ({
  chats: 0,
  messages: 0,
  tombstoned: 0,
  revisions: 0,
  reactions: 0,
  pins: 0,
  files: 0,
  scheduledMessages: 0,
});

/**
 * C3: deletes what is older than each practice's retention period, except in chats under
 * legal hold. One replica at a time runs it (a lease renewed after every batch). A chat's
 * history goes as a prefix of its seqs, in batches of short transactions that lock the
 * messages they delete and never the chat row, so posts to a busy chat do not wait; each
 * run over a practice publishes `chat.v1.retention.applied` with counts, never content.
 */
export class RetentionJob {
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;

  private readonly loop: BackgroundLoop<unknown>;

  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'retention'>,
    private readonly files: Pick<FileStore, 'delete'>,
    private readonly clock: Clock,
    private readonly config: RetentionJobConfig,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
  ) {
    this.loop = new BackgroundLoop<unknown>(
      'retention',
      () => this.runOnce(),
      () => config.intervalMs,
      logger,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops after the batch in flight: its transaction commits, the rest waits for the next run. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One run over every practice with a period; `busy` when another replica holds the lease. */
  async runOnce(): Promise<RetentionAppliedEventData[] | 'busy'> {
    if (!(await this.store.retention.lease(this.db, LEASE, this.holder, this.config.leaseMs))) return 'busy';
    const applied: RetentionAppliedEventData[] = [];
    try {
      for (const practice of await this.store.retention.practicesWithPeriod(this.db)) {
        if (this.loop.stopping) break;
        applied.push(await this.apply(practice.practiceId, practice.days));
      }
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
      this.logger.warn({}, 'retention: lease lost to another replica; run stopped');
    } finally {
      await this.store.retention.release(this.db, LEASE, this.holder);
    }
    return applied;
  }

  private async renew() {
    if (!(await this.store.retention.lease(this.db, LEASE, this.holder, this.config.leaseMs))) {
      throw new LeaseLost();
    }
  }

  private async apply(practiceId: string, days: number): Promise<RetentionAppliedEventData> {
    const startedAt = this.clock.now();
    const cutoff = retentionCutoff(startedAt, days);
    const counts = noCounts();
    let after: string | null = null;
    for (;;) {
      const page = await this.store.retention.chatsToSweep(this.db, practiceId, after, CHAT_PAGE);
      for (const chat of page) {
        if (await this.sweepChat(chat.chatId, cutoff, counts)) counts.chats++;
      }
      if (page.length < CHAT_PAGE) break;
      after = page.at(-1)!.chatId;
    }
    for (;;) {
      const ids = await this.db.transaction((tx) =>
        this.store.retention.purgeFiles(tx, practiceId, cutoff, this.config.batchSize),
      );
      // The rows are gone; the bytes follow. A file that fails to go stays as unreachable bytes.
      for (const id of ids) {
        await this.files
          .delete(id)
          .catch((error) => this.logger.warn({ err: error }, 'retention: file kept'));
      }
      counts.files += ids.length;
      await this.renew();
      if (ids.length < this.config.batchSize) break;
    }
    for (;;) {
      const n = await this.db.transaction((tx) =>
        this.store.retention.purgeScheduled(tx, practiceId, cutoff, this.config.batchSize),
      );
      counts.scheduledMessages += n;
      if (n < this.config.batchSize) break;
      await this.renew();
    }
    const applied: RetentionAppliedEventData = {
      practiceId,
      days,
      cutoff: cutoff.toISOString(),
      startedAt: startedAt.toISOString(),
      finishedAt: this.clock.now().toISOString(),
      ...counts,
    };
    await this.work.transaction((_tx, emit) => emit('chat.v1.retention.applied', applied));
    this.logger.info({ ...counts, practiceId, days }, 'retention: applied');
    return applied;
  }

  /** Deletes a chat's history older than the cutoff, batch by batch; true when it deleted any. */
  private async sweepChat(chatId: string, cutoff: Date, counts: Counts): Promise<boolean> {
    let touched = false;
    for (;;) {
      const batch = await this.db.transaction(async (tx) => {
        const { held, floorSeq } = await this.store.retention.lockChat(tx, chatId);
        // Put under hold since the chat was listed: nothing of it goes.
        if (held) return { more: false, deleted: undefined };
        const next = await this.store.retention.nextMessages(tx, chatId, floorSeq, this.config.batchSize);
        const prefix = agedPrefix(next, cutoff);
        if (prefix.length === 0) return { more: false, deleted: undefined };
        const deleted = await this.store.retention.purge(tx, chatId, prefix);
        return { more: prefix.length === this.config.batchSize, deleted };
      });
      if (batch.deleted) {
        touched = true;
        add(counts, batch.deleted);
      }
      if (!batch.more) return touched;
      await this.renew();
    }
  }
}

function add(counts: Counts, batch: PurgeCounts) {
  counts.messages += batch.messages;
  counts.tombstoned += batch.tombstoned;
  counts.revisions += batch.revisions;
  counts.reactions += batch.reactions;
  counts.pins += batch.pins;
}
