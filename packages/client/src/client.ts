import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { errorFromResponse } from './errors';
import type { paths } from './gen/api';
import { newIdempotencyKey } from './idempotency';
import { type PagedPath, type PageItem, type PageOf, type PageParamsArgs, pages } from './paging';
import { defaultRetryPolicy, type RetryPolicy, retryingFetch } from './retry';
import { HuddleStream, type StreamOptions } from './stream';
import type { Message, PostMessageBody } from './types';

/** A bearer token, or how to get a current one (called before each request and each stream connection). */
export type TokenSource = string | (() => string | Promise<string>);

export interface HuddleClientOptions {
  /** The gateway, e.g. `http://localhost:8080` (no trailing `/v1`). */
  baseUrl: string;
  token: TokenSource;
  /** Retries of network errors and 429/503; merged over `defaultRetryPolicy`. */
  retry?: Partial<RetryPolicy>;
  /** Defaults to the global fetch (browsers, Node 20). */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The WebSocket class for `stream()`. Defaults to the global one (browsers,
   * Node 22+); on Node 20 pass `ws`'s or undici's `WebSocket`.
   */
  WebSocket?: StreamOptions['WebSocket'];
}

export interface PostMessageOptions {
  /**
   * Sent as `Idempotency-Key`; a new random key when left out. Retries of this
   * call reuse it; pass your own to make a post safe across calls too (a draft
   * kept by the app, say): the gateway answers the first message to a repeat.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A typed Huddle client. See README.md for examples. */
export interface HuddleClient {
  /**
   * Every REST route, typed from /openapi.json (openapi-fetch): `rest.GET('/v1/chats/{chatId}',
   * { params: { path: { chatId } } })`. Answers that are not a success are thrown as `HuddleError`,
   * so `error` is never set; `unwrap()` gives the data alone.
   */
  readonly rest: Client<paths>;
  readonly baseUrl: string;
  /** Posts a message or reply (`parentId`) with an Idempotency-Key, retried safely. */
  postMessage(chatId: string, body: PostMessageBody, options?: PostMessageOptions): Promise<Message>;
  /** The pages of a cursor-paged list, fetched one at a time as they are iterated. */
  pages<P extends PagedPath>(
    path: P,
    ...params: PageParamsArgs<P>
  ): AsyncGenerator<PageOf<P>, void, undefined>;
  /** The items of a cursor-paged list, across pages. */
  items<P extends PagedPath>(
    path: P,
    ...params: PageParamsArgs<P>
  ): AsyncGenerator<PageItem<P>, void, undefined>;
  /** A realtime stream for the token's person, opened at once; `close()` it when done. */
  stream(options?: Omit<StreamOptions, 'url' | 'token' | 'WebSocket'>): HuddleStream;
  /** The current token, as the token source gives it. */
  token(): Promise<string>;
}

const messagesPath = '/v1/chats/{chatId}/messages';

/** The data of an openapi-fetch answer (errors are thrown by the client, so it is always there). */
export async function unwrap<R extends { response: Response }>(
  request: Promise<R>,
): Promise<R extends { data: infer D } ? D : never> {
  const result = (await request) as R & { data?: unknown };
  return result.data as R extends { data: infer D } ? D : never;
}

export function createHuddleClient(options: HuddleClientOptions): HuddleClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const token = async () => (typeof options.token === 'function' ? options.token() : options.token);
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  // Looked up per request, so a fetch replaced after creation (tests, polyfills) is used.
  const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));

  const rest = createClient<paths>({ baseUrl, fetch: retryingFetch({ policy, fetch: baseFetch }) });
  const middleware: Middleware = {
    async onRequest({ request, schemaPath }) {
      if (!request.headers.has('authorization')) {
        request.headers.set('authorization', `Bearer ${await token()}`);
      }
      // A post always carries a key, so the retries below it can never post twice.
      if (
        request.method === 'POST' &&
        schemaPath === messagesPath &&
        !request.headers.has('idempotency-key')
      ) {
        request.headers.set('idempotency-key', newIdempotencyKey());
      }
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await errorFromResponse(response);
      return undefined;
    },
  };
  rest.use(middleware);

  return {
    rest,
    baseUrl,
    token,
    async postMessage(chatId, body, { idempotencyKey = newIdempotencyKey(), signal } = {}) {
      const { data } = await rest.POST(messagesPath, {
        params: { path: { chatId }, header: { 'idempotency-key': idempotencyKey } },
        body,
        ...(signal ? { signal } : {}),
      });
      return data as Message;
    },
    pages: (path, ...params) => pages(rest, path, params[0]),
    async *items(path, ...params) {
      for await (const page of pages(rest, path, params[0])) {
        yield* (page as { items: PageItem<typeof path>[] }).items;
      }
    },
    stream(streamOptions = {}) {
      const stream = new HuddleStream({
        ...streamOptions,
        url: `${baseUrl}/v1/stream`,
        token: options.token,
        ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      });
      stream.start();
      return stream;
    },
  };
}
