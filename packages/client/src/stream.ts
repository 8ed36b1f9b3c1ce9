import { backoffDelay } from './retry';
import {
  isEphemeralId,
  type StreamClientFrame,
  type StreamEvent,
  type StreamEventOf,
  type StreamEventType,
} from './stream-events';

/** What the stream needs of a WebSocket: the browser's, undici's and `ws`'s all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: never) => void): void;
}
export type WebSocketClass = new (url: string) => WebSocketLike;

/**
 * - `connecting`: a socket is opening (first time or again).
 * - `catching_up`: open; missed events (if any) arrive until `stream.ready`.
 * - `live`: `stream.ready` came: every event from now on arrives.
 * - `waiting`: closed; reconnecting after a backoff.
 * - `closed`: stopped for good (`close()`, or a close code that reconnecting cannot fix).
 */
export type StreamState = 'connecting' | 'catching_up' | 'live' | 'waiting' | 'closed';

export interface StreamStateChange {
  state: StreamState;
  /** The close code that led here, for `waiting` and `closed`. */
  code?: number;
  reason?: string;
  /** For `waiting`: how long until the next attempt. */
  retryInMs?: number;
}

export interface StreamOptions {
  /** The stream's URL, e.g. `http://localhost:8080/v1/stream` (http(s) becomes ws(s)). */
  url: string;
  token: string | (() => string | Promise<string>);
  /** Resume after this event (e.g. kept from an earlier session); later ids are tracked by the stream. */
  lastEventId?: string;
  WebSocket?: WebSocketClass;
  /** Reconnect backoff: exponential with full jitter, from `baseDelayMs` up to `maxDelayMs` (0.5 s, 30 s). */
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Renew the token on the socket this long before it expires (default 60 s),
   * when `token` is a function: `{type: "auth"}` with its next answer.
   */
  renewBeforeMs?: number;
}

/** Close codes after which the stream stops: reconnecting would be refused the same way. */
const fatalCloses = new Set([1003, 4403]);
const UNAUTHENTICATED = 4401;
const TOO_MANY_STREAMS = 4429;
const NORMAL = 1000;
const OPEN = 1;
/** Ids kept to drop an event the gateway delivers twice (it may, after a retry). */
const SEEN_IDS = 1_000;
/** At most one typing frame per chat in this time: the gateway passes on one per 2 s anyway. */
const TYPING_EVERY_MS = 2_000;

type Listener<E> = (event: E) => void;

/** The `exp` of a JWT in milliseconds, when it has one (the token is not verified: the gateway does that). */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const { exp } = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as {
      exp?: unknown;
    };
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The realtime client of `/v1/stream` (AsyncAPI: `/asyncapi.json`). It
 * reconnects after a drop with exponential backoff and jitter, passing the
 * last event id so missed events arrive first (or `stream.reset`: refetch over
 * REST), drops events delivered twice, renews its token on the socket, and
 * stops cleanly on `close()`.
 */
export class HuddleStream {
  #options: StreamOptions;
  #socket: WebSocketLike | undefined;
  #state: StreamState = 'closed';
  #lastEventId: string | undefined;
  #attempt = 0;
  #unauthenticatedInARow = 0;
  #stopped = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #renewTimer: ReturnType<typeof setTimeout> | undefined;
  #seen = new Set<string>();
  #typingSent = new Map<string, number>();
  #eventListeners = new Set<Listener<StreamEvent>>();
  #typedListeners = new Map<StreamEventType, Set<Listener<never>>>();
  #stateListeners = new Set<Listener<StreamStateChange>>();
  #closed: Promise<void> | undefined;
  #closedBy: { code?: number | undefined; reason?: string | undefined } | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(options: StreamOptions) {
    this.#options = options;
    this.#lastEventId = options.lastEventId;
  }

  /** The state of the connection. */
  get state(): StreamState {
    return this.#state;
  }

  /** The id to resume after (the last event received that is kept by the gateway). */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Opens the stream; `HuddleClient.stream()` calls it. Calling it again does nothing. */
  start(): void {
    if (this.#state !== 'closed' || this.#stopped) return;
    void this.#connect();
  }

  /** Every event, in order. Returns the function that removes the listener. */
  onEvent(listener: Listener<StreamEvent>): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Events of one type, narrowed: `on('message.created', (event) => event.data.body)`. */
  on<T extends StreamEventType>(type: T, listener: Listener<StreamEventOf<T>>): () => void {
    const listeners = this.#typedListeners.get(type) ?? new Set();
    listeners.add(listener as Listener<never>);
    this.#typedListeners.set(type, listeners);
    return () => listeners.delete(listener as Listener<never>);
  }

  /** Connection state changes (connecting, catching_up, live, waiting, closed). */
  onState(listener: Listener<StreamStateChange>): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Resolves once the stream is live (after `stream.ready`); rejects if it closes for good first. */
  ready(): Promise<void> {
    if (this.#state === 'live') return Promise.resolve();
    if (this.#stopped && this.#state === 'closed') {
      const { code, reason } = this.#closedBy ?? {};
      return Promise.reject(
        new Error(`The stream closed (${code ?? 'no code'}${reason ? `: ${reason}` : ''})`),
      );
    }
    return new Promise((resolve, reject) => {
      const off = this.onState(({ state, code, reason }) => {
        if (state === 'live') {
          off();
          resolve();
        } else if (state === 'closed') {
          off();
          reject(new Error(`The stream closed (${code ?? 'no code'}${reason ? `: ${reason}` : ''})`));
        }
      });
    });
  }

  /**
   * Tells the chat's other participants this person is typing. Sent at most
   * once every 2 s per chat; false when not sent (throttled or not connected).
   */
  typing(chatId: string, now = Date.now()): boolean {
    const last = this.#typingSent.get(chatId);
    if (last !== undefined && now - last < TYPING_EVERY_MS) return false;
    if (!this.#send({ type: 'typing', chatId })) return false;
    this.#typingSent.set(chatId, now);
    return true;
  }

  /** Drops the connection and reconnects at once, resuming after the last event (e.g. when the app wakes). */
  reconnect(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(NORMAL, 'Reconnecting');
    this.#attempt = 0;
    void this.#connect();
  }

  /** Stops for good: no more reconnects; resolves once the socket has closed. */
  close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#renewTimer);
    const socket = this.#socket;
    if (!socket || this.#state === 'closed') {
      this.#setState({ state: 'closed', code: NORMAL });
      return Promise.resolve();
    }
    this.#closed ??= new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    socket.close(NORMAL, 'Closed by the client');
    return this.#closed;
  }

  /** Also `for await (const event of stream)`, until the stream closes for good. */
  async *[Symbol.asyncIterator](): AsyncGenerator<StreamEvent, void, undefined> {
    const queue: StreamEvent[] = [];
    let wake: (() => void) | undefined;
    const offEvent = this.onEvent((event) => {
      queue.push(event);
      wake?.();
    });
    const offState = this.onState(() => wake?.());
    try {
      while (true) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.#state === 'closed') return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      offEvent();
      offState();
    }
  }

  #setState(change: StreamStateChange) {
    this.#state = change.state;
    if (change.state === 'closed') this.#closedBy = { code: change.code, reason: change.reason };
    for (const listener of this.#stateListeners) listener(change);
  }

  #send(frame: StreamClientFrame): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  async #token(): Promise<string> {
    const { token } = this.#options;
    return typeof token === 'function' ? token() : token;
  }

  #socketUrl(token: string): string {
    const url = new URL(this.#options.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
    // Browsers cannot set headers on a WebSocket: the token goes in the query, which the gateway never logs.
    url.searchParams.set('access_token', token);
    if (this.#lastEventId) url.searchParams.set('last_event_id', this.#lastEventId);
    return url.toString();
  }

  async #connect(): Promise<void> {
    this.#setState({ state: 'connecting' });
    let token: string;
    try {
      token = await this.#token();
    } catch {
      this.#scheduleReconnect(undefined, 'The token could not be had');
      return;
    }
    if (this.#stopped) return;
    const WebSocketImpl = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
    if (!WebSocketImpl) {
      throw new Error('No WebSocket here: pass `WebSocket` (from the ws package or undici) on Node 20');
    }
    const socket = new WebSocketImpl(this.#socketUrl(token));
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (this.#socket !== socket) return;
      this.#setState({ state: 'catching_up' });
      this.#scheduleRenewal(token);
    });
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (this.#socket === socket) this.#receive(event.data);
    });
    socket.addEventListener('close', (event: { code: number; reason: string }) =>
      this.#closedSocket(socket, event),
    );
    // An error is followed by a close, which decides what happens next.
    socket.addEventListener('error', () => undefined);
  }

  #receive(raw: unknown) {
    let event: StreamEvent;
    try {
      event = JSON.parse(
        typeof raw === 'string' ? raw : new TextDecoder().decode(raw as ArrayBuffer),
      ) as StreamEvent;
    } catch {
      return;
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') return;
    if (!isEphemeralId(event.id)) {
      if (this.#seen.has(event.id)) return;
      this.#seen.add(event.id);
      if (this.#seen.size > SEEN_IDS) this.#seen.delete(this.#seen.values().next().value as string);
      this.#lastEventId = event.id;
    }
    if (event.type === 'stream.ready') {
      this.#attempt = 0;
      this.#unauthenticatedInARow = 0;
      this.#setState({ state: 'live' });
    }
    for (const listener of this.#eventListeners) listener(event);
    for (const listener of this.#typedListeners.get(event.type) ?? [])
      (listener as Listener<StreamEvent>)(event);
  }

  #closedSocket(socket: WebSocketLike, { code, reason }: { code: number; reason: string }) {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    clearTimeout(this.#renewTimer);
    if (this.#stopped) {
      this.#setState({ state: 'closed', code, reason });
      this.#resolveClosed?.();
      return;
    }
    if (fatalCloses.has(code)) {
      this.#stopped = true;
      this.#setState({ state: 'closed', code, reason });
      return;
    }
    if (code === UNAUTHENTICATED) {
      // A token source may give a fresh token; a fixed token, or a second refusal in a row, will not do better.
      this.#unauthenticatedInARow += 1;
      if (typeof this.#options.token !== 'function' || this.#unauthenticatedInARow > 1) {
        this.#stopped = true;
        this.#setState({ state: 'closed', code, reason });
        return;
      }
    }
    this.#scheduleReconnect(code, reason);
  }

  #scheduleReconnect(code: number | undefined, reason: string) {
    const { baseDelayMs = 500, maxDelayMs = 30_000 } = this.#options.backoff ?? {};
    // Too many streams: the others are alive, so there is no hurry to come back.
    const floor = code === TOO_MANY_STREAMS ? Math.min(5_000, maxDelayMs) : 0;
    const retryInMs = floor + backoffDelay(this.#attempt, { baseDelayMs, maxDelayMs });
    this.#attempt += 1;
    this.#setState({ state: 'waiting', ...(code === undefined ? {} : { code }), reason, retryInMs });
    this.#retryTimer = setTimeout(() => void this.#connect(), retryInMs);
  }

  #scheduleRenewal(current: string) {
    if (typeof this.#options.token !== 'function') return;
    const expiresAt = tokenExpiry(current);
    if (expiresAt === undefined) return;
    const renewAt = expiresAt - (this.#options.renewBeforeMs ?? 60_000);
    clearTimeout(this.#renewTimer);
    this.#renewTimer = setTimeout(
      async () => {
        const next = await this.#token().catch(() => undefined);
        if (next && next !== current && this.#send({ type: 'auth', token: next }))
          this.#scheduleRenewal(next);
      },
      Math.max(0, renewAt - Date.now()),
    );
  }
}
