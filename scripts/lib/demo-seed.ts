/**
 * Writes the demo practice through the gateway's public API, as the platform, its
 * people and a program system would: the directory (gateway/src/dev/demo-practice.ts),
 * a feed-style group with a pinned post, a thread, an edit and a mention, a direct-style
 * team group, two 1-on-1 chats and a program's group. Idempotent: every step is an upsert,
 * finds what an earlier run made, or posts with a fixed Idempotency-Key, so a second run
 * changes nothing.
 */
import { demoPeople, demoPractice } from '../../gateway/src/dev/demo-practice';

/** Signs a token for a person (or `svc:<name>` with scopes) of the demo practice. */
export type Mint = (sub: string, scope?: string) => Promise<string>;

interface Chat {
  id: string;
  name: string;
  kind: string;
  ownerId: string;
}
interface Message {
  id: string;
  body: string;
  pinned: boolean;
}

export interface SeededDemo {
  feedGroupId: string;
  teamGroupId: string;
  programChatId: string;
  directChatIds: string[];
}

export async function seedDemoPractice(baseUrl: string, mint: Mint): Promise<SeededDemo> {
  const call = async <T>(
    as: string,
    method: string,
    path: string,
    body?: unknown,
    headers = {},
  ): Promise<T> => {
    const scope = as === 'svc:seed' ? 'directory:write programs:write' : undefined;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await mint(as, scope)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} as ${as}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const practice = `/v1/practices/${demoPractice.id}`;

  await call('svc:seed', 'PUT', practice, { name: demoPractice.name, plan: demoPractice.plan });
  for (const person of demoPeople)
    await call('svc:seed', 'PUT', `${practice}/people/${person.id}`, person.profile);

  /** A group its owner made in an earlier run, found by name; else made now. */
  const group = async (
    owner: string,
    body: { name: string; participantIds: string[] } & Record<string, unknown>,
  ) => {
    const { items } = await call<{ items: Chat[] }>(owner, 'GET', '/v1/chats?limit=200');
    const existing = items.find(
      (chat) => chat.kind === 'group' && chat.name === body.name && chat.ownerId === owner,
    );
    return existing ?? call<Chat>(owner, 'POST', '/v1/chats', body);
  };
  /** The same key and content answer the first message, so a rerun posts nothing new. */
  const post = (as: string, chatId: string, key: string, body: Record<string, unknown>) =>
    call<Message>(as, 'POST', `/v1/chats/${chatId}/messages`, body, { 'idempotency-key': `demo-${key}` });

  const feed = await group('maya', {
    name: 'Healthy habits circle',
    avatar: 'leaf',
    style: 'feed',
    clientNaming: 'first_initial',
    hideClientIdentities: true,
    participantIds: ['leo', 'dana', 'priya', 'omar'],
  });
  const welcome = await post('maya', feed.id, 'feed-welcome', {
    body: 'Welcome to the circle! Share one small win each week; Leo and I answer every question here.',
  });
  if (!welcome.pinned) await call('maya', 'PUT', `/v1/chats/${feed.id}/pins/${welcome.id}`);
  const question = await post('dana', feed.id, 'feed-question', {
    body: 'What is a quick high-protein breakfast for busy mornings?',
  });
  await post('leo', feed.id, 'feed-answer', {
    parentId: question.id,
    body: 'Greek yoghurt with oats and berries, or eggs on toast: both take five minutes.',
  });
  await post('priya', feed.id, 'feed-thanks', {
    parentId: question.id,
    body: 'Overnight oats work for me too!',
  });
  const challenge = await post('maya', feed.id, 'feed-challenge', {
    body: 'This week: eight glasses of water a day.',
  });
  const edited = 'This week: eight glasses of water a day. Tell us how it goes!';
  if (challenge.body !== edited) {
    await call('maya', 'PATCH', `/v1/chats/${feed.id}/messages/${challenge.id}`, { body: edited });
  }
  await post('leo', feed.id, 'feed-mention', {
    body: '@Maya Patel I added a recipe sheet to our files.',
    mentions: ['maya'],
  });

  const team = await group('maya', {
    name: 'Care team',
    avatar: 'compass',
    style: 'direct',
    participantIds: ['leo', 'ines'],
  });
  await post('maya', team.id, 'team-hello', { body: 'Morning! Case review at 2 pm today.' });
  await post('ines', team.id, 'team-reply', { body: 'I will bring the notes on the marathon group.' });

  const direct = async (owner: string, clientId: string) =>
    call<Chat>(owner, 'POST', '/v1/chats/direct', { clientId });
  const danaChat = await direct('maya', 'dana');
  await post('maya', danaChat.id, 'dana-1', { body: 'Hi Dana, how did the new meal plan go this week?' });
  await post('dana', danaChat.id, 'dana-2', { body: 'Much better, thanks! Lunches are easier now.' });
  const omarChat = await direct('ines', 'omar');
  await post('ines', omarChat.id, 'omar-1', {
    body: 'Omar, remember to refuel within 30 minutes of long runs.',
  });

  const program = await call<Chat>('svc:seed', 'PUT', `${practice}/programs/marathon-2026/chat`, {
    name: 'Marathon prep 2026',
    ownerId: 'ines',
    practitionerIds: ['leo'],
    style: 'feed',
    avatar: 'bolt',
    hideClientIdentities: true,
  });
  for (const clientId of ['omar', 'sam']) {
    await call('svc:seed', 'PUT', `${practice}/programs/marathon-2026/enrollments/${clientId}`);
  }
  await post('ines', program.id, 'program-welcome', { body: 'Week 1: three easy runs and one long run.' });

  return {
    feedGroupId: feed.id,
    teamGroupId: team.id,
    programChatId: program.id,
    directChatIds: [danaChat.id, omarChat.id],
  };
}
