import type { NotificationData, ParticipantData, RealtimeEvent } from '@huddle/contracts';
import type { Database, Executor } from '@huddle/db';
import type { Level } from '../domain/notify';

export type Reader = Database;

/** The participant service: who is in a chat right now. */
export interface Participants {
  list(chatId: string): Promise<ParticipantData[]>;
}

/**
 * Realtime delivery to sockets, wherever their gateways are. Each method
 * resolves once the event is logged for catch-up and sent live, and rejects
 * when it could not be logged.
 */
export interface RealtimeChannel {
  /** A person's own event, to their sockets only. */
  deliver(practiceId: string, personId: string, event: RealtimeEvent): Promise<void>;
  /** A chat's event, sent once for all of its `recipients`, whose sockets alone receive it. */
  deliverToChat(
    practiceId: string,
    chatId: string,
    event: RealtimeEvent & { recipients: string[] },
  ): Promise<void>;
}

/*
 * The notification service's own data, as the use-cases need it: `store/`
 * implements these with drizzle and `service.ts` wires them in. Every method
 * takes the `Executor` to run on: the reader, or a transaction.
 */

/** A notification in a person's inbox (N1). */
export interface StoredNotification {
  id: string;
  practiceId: string;
  personId: string;
  type: NotificationData['type'];
  chatId: string;
  messageId: string | null;
  /** X6: who added the person, for `added` notifications. */
  actorId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export interface NotificationRepository {
  insert(
    db: Executor,
    notifications: Array<
      Omit<StoredNotification, 'createdAt' | 'readAt' | 'actorId'> & { actorId?: string | null }
    >,
  ): Promise<StoredNotification[]>;
  /** One inbox, newest first, keyset-paged on (created, id). */
  page(
    db: Executor,
    practiceId: string,
    personId: string,
    options: { unreadOnly: boolean; before: { at: Date; id: string } | null; limit: number },
  ): Promise<StoredNotification[]>;
  unreadCount(db: Executor, practiceId: string, personId: string): Promise<number>;
  /** Marks the given notifications (or all, when `ids` is null) of one inbox read; answers how many. */
  markRead(db: Executor, practiceId: string, personId: string, ids: string[] | null): Promise<number>;
  /**
   * By person id, the levels participants of a chat set (the rest hear `all`) and, X4, until
   * when each who ever muted the chat muted it.
   */
  levelsAndMutes(
    db: Executor,
    chatId: string,
  ): Promise<{ levels: Map<string, Level>; mutes: Map<string, Date | null> }>;
  setLevel(db: Executor, chatId: string, personId: string, level: Level): Promise<void>;
  /** X4: keeps the mute of the newest state event; an older one arriving late changes nothing. */
  setMute(
    db: Executor,
    mute: { chatId: string; personId: string; mutedUntil: Date | null; version: number },
  ): Promise<void>;
}

/** A practice's outbound channels as stored, secret included (N1). */
export interface StoredChannels {
  practiceId: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  emailEnabled: boolean;
  includeContent: boolean;
  updatedAt: Date;
}

export interface ChannelRepository {
  get(db: Executor, practiceId: string): Promise<StoredChannels | undefined>;
  put(db: Executor, channels: Omit<StoredChannels, 'updatedAt'>): Promise<StoredChannels>;
}

/** One webhook post or email, queued with its notifications and sent by the outbound worker. */
export interface Delivery {
  id: string;
  channel: 'webhook' | 'email';
  practiceId: string;
  /** Webhook deliveries: where to post. */
  url: string | null;
  personId: string;
  chatId: string;
  body: unknown;
  attempts: number;
  nextAttemptAt: Date;
  claimedAt: Date | null;
  status: 'pending' | 'delivered' | 'skipped' | 'dead';
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** How an attempt ended: done for good, or pending again after a failure. */
export type DeliveryOutcome =
  | { status: 'delivered' | 'skipped' | 'dead'; attempts: number; error?: string; body?: unknown }
  | { status: 'pending'; attempts: number; error: string; nextAttemptAt: Date };

export interface DeliveryRepository {
  insert(
    db: Executor,
    deliveries: Array<
      Pick<Delivery, 'id' | 'channel' | 'practiceId' | 'personId' | 'chatId' | 'body'> &
        Partial<Pick<Delivery, 'url' | 'nextAttemptAt'>>
    >,
  ): Promise<void>;
  /** The email of a person and chat still waiting for its window, locked until the transaction ends. */
  waitingEmail(
    db: Executor,
    practiceId: string,
    personId: string,
    chatId: string,
  ): Promise<Delivery | undefined>;
  /** When the last email of a person and chat went out, or was last being sent. */
  lastEmailAt(db: Executor, practiceId: string, personId: string, chatId: string): Promise<Date | null>;
  setBody(db: Executor, id: string, body: unknown): Promise<void>;
  /** Claims up to `limit` due deliveries; replicas never take the same one. */
  claimDue(db: Reader, now: Date, limit: number): Promise<Delivery[]>;
  finish(db: Executor, id: string, outcome: DeliveryOutcome): Promise<void>;
  /** Forgets delivered and skipped rows created before `done`, dead-letter records before `dead`. */
  prune(db: Executor, before: { done: Date; dead: Date }): Promise<number>;
  /** A person's unread notifications of one chat: the count an email carries. */
  unreadInChat(db: Executor, practiceId: string, personId: string, chatId: string): Promise<number>;
}

/** All of the notification service's repositories. */
export interface NotificationStore {
  notifications: NotificationRepository;
  channels: ChannelRepository;
  deliveries: DeliveryRepository;
}
