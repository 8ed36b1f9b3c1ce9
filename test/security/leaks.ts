import type { Reply } from '../support/http';
import { type Kind, kinds, type Role, roleFacts } from './policy';
import { pinsChats, type World } from './world';

/**
 * What an allowed answer must not show: a list or search naming what the caller may not
 * see is an allow the oracle did not give. Each check returns what leaked, or nothing.
 * Who is in which chat comes from how world.ts built the world, never from the system.
 */

/** The clients of the world, by id and first name (G5: nobody they may not know is named). */
const clients = { dana: 'Dana', dina: 'Dina', dora: 'Dora', gina: 'Gina', cleo: 'Cleo' } as const;

/** The world's chats (and the vault) the person reads now (A1): those they are an active participant of. */
function readable(world: World, person: string | null): Set<string> {
  const ids = kinds
    .filter((kind) => person !== null && world.chats[kind].participants.includes(person))
    .map((kind) => world.chats[kind].id);
  if (person === 'olga') ids.push(world.vault.chatId);
  return new Set(ids);
}

/** The kinds (or the vault) of the world's chats among `chatIds` the person may not read. */
function unreadable(world: World, person: string | null, chatIds: Iterable<string>): string[] {
  const theirs = readable(world, person);
  const names = new Map<string, string>([
    ...kinds.map((kind) => [world.chats[kind].id, kind] as const),
    [world.vault.chatId, 'vault'],
  ]);
  return [...new Set(chatIds)].filter((id) => names.has(id) && !theirs.has(id)).map((id) => names.get(id)!);
}

interface ListedChat {
  id: string;
  pinned: boolean;
}

/** `GET /v1/chats` (A1, X4): only the caller's chats, each with the caller's own pin. */
export function chatListLeak(world: World, person: string | null, items: ListedChat[]): string | undefined {
  const foreign = unreadable(
    world,
    person,
    items.map((item) => item.id),
  );
  if (foreign.length > 0) return `lists ${foreign.join(', ')}`;
  // X4: a chat's personal state in my list is mine; showing another's pin lets me see their state.
  const pinnedByMe = person !== null && pinsChats(person);
  const ofWorld = new Set(kinds.map((kind) => world.chats[kind].id));
  const othersPins = items.filter((item) => ofWorld.has(item.id) && item.pinned !== pinnedByMe);
  if (othersPins.length > 0) return `shows another's pin of ${othersPins.length} chat(s)`;
  return undefined;
}

/** `GET /v1/scheduled-messages` (X2): the caller's own scheduled messages, nobody else's. */
export function scheduledListLeak(
  world: World,
  person: string | null,
  items: Array<{ id: string }>,
): string | undefined {
  const others = items.filter((item) => {
    const author = world.scheduledAuthors.get(item.id);
    return author !== undefined && author !== person;
  });
  return others.length > 0 ? `lists ${others.length} scheduled message(s) of others` : undefined;
}

interface SearchHit {
  message: {
    id: string;
    chatId: string;
    body: string | null;
    author: { id: string | null; name: string | null } | null;
  };
  chat: { id: string };
}

/**
 * `GET /v1/search` (X3): hits only of live, sent messages of chats the caller reads now (A1, P4,
 * X2), and their authors presented as the caller may see them: a removed author unlinked (P2),
 * another client of an identity-hiding group unnamed to a client (G5).
 */
export function searchLeak(
  world: World,
  role: Role,
  person: string | null,
  hits: SearchHit[],
): string | undefined {
  const foreign = unreadable(
    world,
    person,
    hits.map((hit) => hit.message.chatId),
  );
  if (foreign.length > 0) return `finds messages of ${foreign.join(', ')}`;
  const deleted = new Set(kinds.map((kind) => world.chats[kind].deletedMessageId));
  if (hits.some((hit) => deleted.has(hit.message.id))) return 'finds a deleted message';
  if (hits.some((hit) => /scheduled/i.test(hit.message.body ?? '')))
    return 'finds a message not yet sent (X2)';
  const names = (hit: SearchHit, id: string, name: string) =>
    hit.message.author?.id === id || (hit.message.author?.name ?? '').includes(name);
  if (hits.some((hit) => names(hit, 'ron', 'Ron'))) return 'names a removed participant (P2)';
  const hiding = world.chats['identity-hiding-group' satisfies Kind].id;
  if (roleFacts[role].person === 'client') {
    const named = hits.filter(
      (hit) =>
        hit.message.chatId === hiding &&
        Object.entries(clients).some(([id, name]) => id !== person && names(hit, id, name)),
    );
    if (named.length > 0) return 'names another client in an identity-hiding group (G5)';
  }
  return undefined;
}

/** Every page of a search, from its first reply (a few at most: the world is small). */
export async function allPages(first: Reply, next: (cursor: string) => Promise<Reply>): Promise<SearchHit[]> {
  const hits: SearchHit[] = [...first.body.items];
  let cursor: string | null = first.body.nextCursor;
  for (let page = 1; cursor && page < 10; page++) {
    const reply = await next(cursor);
    if (reply.status !== 200) throw new Error(`search page ${page + 1}: ${reply.status}`);
    hits.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  }
  return hits;
}
