import type { Client } from 'openapi-fetch';
import type { paths } from './gen/api';

type Paged = {
  get: {
    parameters: { query?: { cursor?: string } };
    responses: { 200: { content: { 'application/json': { items: unknown[]; nextCursor: string | null } } } };
  };
};

/** The REST lists paged by cursor (`?cursor=`, `{items, nextCursor}`): chats, messages, notifications, ... */
export type PagedPath = { [P in keyof paths]: paths[P] extends Paged ? P : never }[keyof paths];

type GetOf<P extends PagedPath> = paths[P]['get'];
export type PageOf<P extends PagedPath> =
  GetOf<P> extends {
    responses: { 200: { content: { 'application/json': infer B } } };
  }
    ? B
    : never;
export type PageItem<P extends PagedPath> = PageOf<P> extends { items: Array<infer I> } ? I : never;

type Parameters<P extends PagedPath> = GetOf<P> extends { parameters: infer Q } ? Q : never;
/** A list's parameters without `cursor`, which the iteration moves. */
export type PageParams<P extends PagedPath> = Omit<Parameters<P>, 'query' | 'header' | 'cookie'> & {
  query?: Omit<NonNullable<Parameters<P> extends { query?: infer Q } ? Q : never>, 'cursor'>;
  signal?: AbortSignal;
};
/** Optional for lists without path parameters (`/v1/chats`), required otherwise. */
export type PageParamsArgs<P extends PagedPath> =
  Parameters<P> extends { path: Record<string, string> } ? [params: PageParams<P>] : [params?: PageParams<P>];

/**
 * The pages of a cursor-paged list, one request per page as the caller
 * iterates: stopping early (`break`) fetches no more.
 */
export async function* pages<P extends PagedPath>(
  rest: Client<paths>,
  path: P,
  params: PageParams<P> | undefined,
): AsyncGenerator<PageOf<P>, void, undefined> {
  const { signal, query, ...rest_ } = (params ?? {}) as {
    signal?: AbortSignal;
    query?: Record<string, unknown>;
    path?: Record<string, string>;
  };
  // openapi-fetch's per-path typing cannot follow a path chosen at run time.
  const get = rest.GET as unknown as (
    path: string,
    init: { params: Record<string, unknown>; signal?: AbortSignal },
  ) => Promise<{ data?: { items: unknown[]; nextCursor: string | null } }>;
  let cursor: string | undefined;
  do {
    const { data } = await get(path, {
      params: { ...rest_, query: { ...query, ...(cursor ? { cursor } : {}) } },
      ...(signal ? { signal } : {}),
    });
    if (!data) return;
    yield data as PageOf<P>;
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
}
