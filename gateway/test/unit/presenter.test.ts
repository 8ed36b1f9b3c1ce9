import type { chatV1 } from '@huddle/contracts';
import { describe, expect, it } from 'vitest';
import {
  type ChatContext,
  chatKind,
  clientName,
  formerParticipant,
  peopleOfSummary,
  presentChat,
  presentChatListItem,
  presentMessage,
  presentPerson,
  presentReactors,
  presentReadMarker,
  presentRevision,
  summaryContext,
  summaryNeedsParticipants,
  type Viewer,
  viewerIn,
} from '../../src/presenter';
import { presentDirectoryPerson } from '../../src/presenter/directory';
import { chat, groupParticipants, message, participant, people, person } from './support';

const directory = new Map(Object.values(people).map((p) => [p.id, p]));

function context(
  overrides: Partial<ChatContext['chat']> = {},
  participants = groupParticipants,
): ChatContext {
  return { chat: chat(overrides), participants, people: directory };
}

const olivia: Viewer = { personId: 'olivia', kind: 'practitioner' };
const terry: Viewer = { personId: 'terry', kind: 'practitioner' };
const dana: Viewer = { personId: 'dana', kind: 'client' };

const full = {
  dana: { id: 'dana', name: 'Dana Smith', photoUrl: 'https://img.example/dana.png', kind: 'client' },
  eli: { id: 'eli', name: 'Eli Jones', photoUrl: 'https://img.example/eli.png', kind: 'client' },
  olivia: {
    id: 'olivia',
    name: 'Olivia Owens',
    photoUrl: 'https://img.example/olivia.png',
    kind: 'practitioner',
  },
  terry: { id: 'terry', name: 'Terry Team', photoUrl: 'https://img.example/terry.png', kind: 'practitioner' },
};

describe('presentPerson', () => {
  it('G4: full naming shows another client as "Dana Smith"', () => {
    expect(
      presentPerson({ personId: 'eli', kind: 'client' }, context({ clientNaming: 'full' }), 'dana'),
    ).toEqual(full.dana);
  });

  it('G4: first_initial naming shows another client as "Dana S."', () => {
    const seen = presentPerson(
      { personId: 'eli', kind: 'client' },
      context({ clientNaming: 'first_initial' }),
      'dana',
    );
    expect(seen).toEqual({ ...full.dana, name: 'Dana S.' });
  });

  it('G4: first naming shows another client as "Dana"', () => {
    const seen = presentPerson(
      { personId: 'eli', kind: 'client' },
      context({ clientNaming: 'first' }),
      'dana',
    );
    expect(seen).toEqual({ ...full.dana, name: 'Dana' });
  });

  it('G4: first_initial naming of a client without a last name shows the first name alone', () => {
    expect(clientName(person('x', 'client', 'Cher', ''), 'first_initial')).toBe('Cher');
  });

  it('G4: client naming does not change how practitioners see clients', () => {
    for (const clientNaming of ['first', 'first_initial']) {
      expect(presentPerson(olivia, context({ clientNaming }), 'dana')).toEqual(full.dana);
    }
  });

  it('G4: client naming does not change how clients see team members', () => {
    expect(presentPerson(dana, context({ clientNaming: 'first' }), 'terry')).toEqual(full.terry);
  });

  it("G5: a client never sees another client's name, photo or id when identities are hidden", () => {
    const seen = presentPerson(dana, context({ hideClientIdentities: true }), 'eli');
    expect(seen).toEqual({ id: null, name: 'Member 4', photoUrl: null, kind: 'client' });
    expect(JSON.stringify(seen)).not.toMatch(/eli|Jones/i);
  });

  it('G5: hidden clients keep the stable per-chat pseudonym the participant service gave them', () => {
    const hidden = context({ hideClientIdentities: true });
    expect(presentPerson(dana, hidden, 'eli').name).toBe(presentPerson(dana, hidden, 'eli').name);
    expect(presentPerson({ personId: 'eli', kind: 'client' }, hidden, 'dana').name).toBe('Member 3');
  });

  it('G5: team members are always shown in full to clients, even when identities are hidden', () => {
    const hidden = context({ hideClientIdentities: true });
    expect(presentPerson(dana, hidden, 'olivia')).toEqual(full.olivia);
    expect(presentPerson(dana, hidden, 'terry')).toEqual(full.terry);
  });

  it("G5: practitioners always see every client's full name and photo", () => {
    const hidden = context({ hideClientIdentities: true, clientNaming: 'first' });
    expect(presentPerson(olivia, hidden, 'dana')).toEqual(full.dana);
    expect(presentPerson(terry, hidden, 'eli')).toEqual(full.eli);
  });

  it('G5: a person always sees themself in full', () => {
    const hidden = context({ hideClientIdentities: true, clientNaming: 'first' });
    expect(presentPerson(dana, hidden, 'dana')).toEqual(full.dana);
  });

  it('P2: an author who is no longer a participant is a "Former participant" to everyone', () => {
    const ctx = context(
      {},
      groupParticipants.filter((p) => p.personId !== 'eli'),
    );
    for (const viewer of [olivia, terry, dana]) {
      expect(presentPerson(viewer, ctx, 'eli')).toEqual(formerParticipant);
    }
  });

  it('P2: an unlinked author (no author id) is a "Former participant" to everyone', () => {
    for (const viewer of [olivia, dana]) {
      expect(presentPerson(viewer, context(), undefined)).toEqual({
        id: null,
        name: 'Former participant',
        photoUrl: null,
        kind: null,
      });
    }
  });

  it('a participant the directory does not know is named by pseudonym, never left blank', () => {
    const ctx: ChatContext = { ...context(), people: new Map() };
    expect(presentPerson(olivia, ctx, 'dana')).toEqual({
      id: 'dana',
      name: 'Member 3',
      photoUrl: null,
      kind: 'client',
    });
    expect(presentPerson(dana, ctx, 'eli')).toEqual({
      id: null,
      name: 'Member 4',
      photoUrl: null,
      kind: 'client',
    });
  });
});

describe('presentMessage', () => {
  it('presents every field of a message in the public shape', () => {
    const presented = presentMessage(
      olivia,
      context(),
      message({
        parentId: 'm0',
        mentions: ['terry'],
        attachmentIds: ['a1'],
        attachments: [
          {
            id: 'a1',
            filename: 'plan.pdf',
            contentType: 'application/pdf',
            size: 1234,
            createdAt: new Date('2025-01-02T00:00:00.000Z'),
          },
        ],
        pinned: true,
        editedAt: new Date('2025-01-03T00:00:00.000Z'),
        replyCount: 2,
        reactions: [{ emoji: '👍🏽', count: 2, reactedByMe: true }],
      }),
    );
    expect(presented).toEqual({
      id: 'm1',
      chatId: 'chat1',
      seq: 1,
      parentId: 'm0',
      author: full.dana,
      body: 'Hello all',
      mentions: [full.terry],
      attachments: [
        {
          id: 'a1',
          filename: 'plan.pdf',
          contentType: 'application/pdf',
          size: 1234,
          url: '/v1/attachments/a1',
        },
      ],
      pinned: true,
      editedAt: '2025-01-03T00:00:00.000Z',
      deletedAt: null,
      createdAt: '2025-01-02T03:04:05.000Z',
      replyCount: 2,
      reactions: [{ emoji: '👍🏽', count: 2, reactedByMe: true }],
      latestReplies: [],
    });
  });

  it("G5: a hidden client's post shows its pseudonym as author to other clients", () => {
    const presented = presentMessage(
      dana,
      context({ hideClientIdentities: true }),
      message({ authorId: 'eli' }),
    );
    expect(presented.author).toEqual({ id: null, name: 'Member 4', photoUrl: null, kind: 'client' });
  });

  it('G5: mentions of hidden clients are presented by pseudonym to clients', () => {
    const presented = presentMessage(
      dana,
      context({ hideClientIdentities: true }),
      message({ authorId: 'olivia', mentions: ['eli', 'terry'] }),
    );
    expect(presented.mentions).toEqual([
      { id: null, name: 'Member 4', photoUrl: null, kind: 'client' },
      full.terry,
    ]);
  });

  it('G9: mentions are presented people, with G4 naming applied for clients', () => {
    const presented = presentMessage(
      { personId: 'eli', kind: 'client' },
      context({ clientNaming: 'first_initial' }),
      message({ mentions: ['dana'] }),
    );
    expect(presented.mentions).toEqual([{ ...full.dana, name: 'Dana S.' }]);
  });

  it('P2: a message whose author was removed keeps its body but shows a "Former participant"', () => {
    const ctx = context(
      {},
      groupParticipants.filter((p) => p.personId !== 'dana'),
    );
    const presented = presentMessage(olivia, ctx, message({ authorId: 'dana' }));
    expect(presented.author).toEqual(formerParticipant);
    expect(presented.body).toBe('Hello all');
  });

  it('P2: mentions of someone no longer in the chat show a "Former participant"', () => {
    const ctx = context(
      {},
      groupParticipants.filter((p) => p.personId !== 'eli'),
    );
    expect(presentMessage(olivia, ctx, message({ mentions: ['eli'] })).mentions).toEqual([formerParticipant]);
  });

  it('a deleted message keeps its place but none of its content', () => {
    const presented = presentMessage(
      olivia,
      context(),
      message({
        deletedAt: new Date('2025-01-04T00:00:00.000Z'),
        mentions: ['terry'],
        attachmentIds: ['a1'],
      }),
    );
    expect(presented).toMatchObject({
      body: '',
      mentions: [],
      attachments: [],
      deletedAt: '2025-01-04T00:00:00.000Z',
    });
  });
});

describe('presentChat', () => {
  const direct = [
    participant('d1', 'olivia', 'owner', 'Member 1'),
    participant('d1', 'dana', 'client', 'Member 2'),
  ];
  const shared = [...direct, participant('d1', 'terry', 'team', 'Member 3')];
  const directChat = { id: 'd1', kind: 'direct', name: '', avatar: '' };

  it('presents every field of a chat in the public shape', () => {
    expect(presentChat(olivia, context({ programId: 'prog1', locked: true }))).toEqual({
      id: 'chat1',
      kind: 'group',
      name: 'Morning walkers',
      title: 'Morning walkers',
      avatar: 'sunrise',
      style: 'feed',
      clientNaming: 'full',
      hideClientIdentities: false,
      locked: true,
      ownerId: 'olivia',
      programId: 'prog1',
    });
  });

  it("S6: a group chat shows its name and avatar and never a client's photo", () => {
    const ctx = context({}, [groupParticipants[0]!, groupParticipants[2]!]);
    for (const viewer of [olivia, dana]) {
      const presented = presentChat(viewer, ctx);
      expect(presented).toMatchObject({ kind: 'group', title: 'Morning walkers', avatar: 'sunrise' });
      expect(JSON.stringify(presented)).not.toContain('dana.png');
    }
  });

  it('S6: a group chat without an avatar has a null avatar, still not a photo', () => {
    expect(presentChat(dana, context({ avatar: '' })).avatar).toBeNull();
  });

  it("S1: in a 1-on-1 the practitioner sees the client's name and photo", () => {
    const presented = presentChat(olivia, context(directChat, direct));
    expect(presented).toMatchObject({
      kind: 'direct',
      title: 'Dana Smith',
      avatar: 'https://img.example/dana.png',
    });
  });

  it("S1: in a 1-on-1 the client sees the practitioner's name and photo", () => {
    const presented = presentChat(dana, context(directChat, direct));
    expect(presented).toMatchObject({
      kind: 'direct',
      title: 'Olivia Owens',
      avatar: 'https://img.example/olivia.png',
    });
  });

  it('S6: a shared chat shows the client\'s name and photo and "+N more", N the team members it is shared with', () => {
    for (const viewer of [olivia, terry]) {
      expect(presentChat(viewer, context(directChat, shared))).toMatchObject({
        kind: 'shared',
        title: 'Dana Smith +1 more',
        avatar: 'https://img.example/dana.png',
      });
    }
  });

  it('S6: N counts every team member beyond the owner', () => {
    const more = [...shared, participant('d1', 'tess', 'team', 'Member 4')];
    expect(presentChat(olivia, context(directChat, more)).title).toBe('Dana Smith +2 more');
  });

  it("S6: the client of a shared chat sees the owner's name with the same count", () => {
    expect(presentChat(dana, context(directChat, shared))).toMatchObject({
      kind: 'shared',
      title: 'Olivia Owens +1 more',
      avatar: 'https://img.example/olivia.png',
    });
  });

  it('S5: a converted chat is a group chat and shows its own name', () => {
    const converted = context({ kind: 'group', name: 'Dana Smith (Group)', avatar: '' }, [
      ...shared,
      participant('d1', 'eli', 'client', 'Member 4'),
    ]);
    expect(presentChat(olivia, converted)).toMatchObject({
      kind: 'group',
      title: 'Dana Smith (Group)',
      avatar: null,
    });
  });

  it('P2: a direct chat whose client is gone is titled "Former participant"', () => {
    expect(presentChat(olivia, context(directChat, [direct[0]!]))).toMatchObject({
      title: 'Former participant',
      avatar: null,
    });
  });

  it('S2: a direct chat with one team member is direct, with two or more it is shared', () => {
    expect(chatKind(context(directChat, direct))).toBe('direct');
    expect(chatKind(context(directChat, shared))).toBe('shared');
  });
});

describe('presentChat: a name generated from a client (S5, G5)', () => {
  const converted = { name: 'Dana Smith (Group)', namedAfterClientId: 'dana' };
  const eli: Viewer = { personId: 'eli', kind: 'client' };

  it('S5: team members and the client it names read the generated name', () => {
    for (const viewer of [olivia, terry, dana]) {
      expect(presentChat(viewer, context(converted))).toMatchObject({
        name: 'Dana Smith (Group)',
        title: 'Dana Smith (Group)',
      });
    }
  });

  it('G5: another client reads a neutral name, whatever the naming or hiding', () => {
    for (const hideClientIdentities of [true, false]) {
      const seen = presentChat(eli, context({ ...converted, hideClientIdentities }));
      expect(seen).toMatchObject({ name: 'Group chat', title: 'Group chat' });
      expect(JSON.stringify(seen)).not.toMatch(/Dana|Smith/);
    }
  });

  it('S5: once the owner renames it, everyone reads the new name', () => {
    const renamed = presentChat(eli, context({ name: 'Walkers', namedAfterClientId: undefined }));
    expect(renamed).toMatchObject({ name: 'Walkers', title: 'Walkers' });
  });
});

describe('viewerIn', () => {
  it('A1: only participants are viewers of a chat', () => {
    expect(viewerIn(context(), 'dana')).toEqual({ personId: 'dana', kind: 'client' });
    expect(viewerIn(context(), 'olivia')).toEqual({ personId: 'olivia', kind: 'practitioner' });
    expect(viewerIn(context(), 'stranger')).toBeUndefined();
  });
});

describe('presentDirectoryPerson', () => {
  it('presents the section 1 fields of a practitioner', () => {
    expect(
      presentDirectoryPerson({
        ...people.olivia,
        teamRole: 'owner',
        clientTagRestriction: { tags: ['diabetes'] },
        zoomLinked: true,
      }),
    ).toEqual({
      id: 'olivia',
      kind: 'practitioner',
      firstName: 'Olivia',
      lastName: 'Owens',
      photoUrl: 'https://img.example/olivia.png',
      tags: [],
      teamRole: 'owner',
      // Section 1: owners can always manage team settings.
      canManageTeamSettings: true,
      clientTagRestriction: ['diabetes'],
      zoomLinked: true,
      email: null,
    });
  });

  it('presents a client with tags and no practitioner attributes', () => {
    expect(
      presentDirectoryPerson({
        ...people.dana,
        tags: ['diabetes'],
        photoUrl: undefined,
        email: 'dana@example.test',
      }),
    ).toEqual({
      id: 'dana',
      kind: 'client',
      firstName: 'Dana',
      lastName: 'Smith',
      photoUrl: null,
      tags: ['diabetes'],
      teamRole: null,
      canManageTeamSettings: false,
      clientTagRestriction: null,
      zoomLinked: false,
      email: 'dana@example.test',
    });
  });
});

describe('presentMessage: feed shapes, files and tombstones', () => {
  it("G2/G5: latest replies are presented like any message: a hidden client's reply shows a pseudonym to clients", () => {
    const post = message({
      authorId: 'olivia',
      replyCount: 2,
      latestReplies: [
        message({ id: 'r1', seq: 2, parentId: 'm1', authorId: 'eli', mentions: ['dana'] }),
        message({ id: 'r2', seq: 3, parentId: 'm1', authorId: 'terry' }),
      ],
    });
    const presented = presentMessage(dana, context({ hideClientIdentities: true }), post);
    expect(presented.latestReplies.map((reply) => reply.author)).toEqual([
      { id: null, name: 'Member 4', photoUrl: null, kind: 'client' },
      full.terry,
    ]);
    expect(presented.latestReplies[0]!.mentions).toEqual([full.dana]);
    expect(JSON.stringify(presented)).not.toMatch(/eli|Jones/i);
  });

  it('G2: practitioners see the authors of latest replies in full', () => {
    const post = message({ latestReplies: [message({ id: 'r1', parentId: 'm1', authorId: 'eli' })] });
    expect(
      presentMessage(olivia, context({ hideClientIdentities: true }), post).latestReplies[0]!.author,
    ).toEqual(full.eli);
  });

  it('a deleted post keeps its thread: replyCount and latest replies stay, its content goes', () => {
    const presented = presentMessage(
      olivia,
      context(),
      message({
        deletedAt: new Date('2025-01-04T00:00:00.000Z'),
        replyCount: 1,
        latestReplies: [message({ id: 'r1', parentId: 'm1', authorId: 'terry', body: 'Still here' })],
      }),
    );
    expect(presented).toMatchObject({ body: '', replyCount: 1, latestReplies: [{ body: 'Still here' }] });
  });

  it('files are presented with their metadata and download url; ids without metadata keep their url', () => {
    const presented = presentMessage(
      olivia,
      context(),
      message({
        attachmentIds: ['a1', 'a2'],
        attachments: [{ id: 'a1', filename: 'x.png', contentType: 'image/png', size: 3 }],
      }),
    );
    expect(presented.attachments).toEqual([
      { id: 'a1', filename: 'x.png', contentType: 'image/png', size: 3, url: '/v1/attachments/a1' },
      { id: 'a2', filename: null, contentType: null, size: null, url: '/v1/attachments/a2' },
    ]);
  });

  it('G8: a revision carries its number, body, files and when it was replaced', () => {
    expect(
      presentRevision({
        number: 1,
        body: 'First',
        attachmentIds: ['a1'],
        replacedAt: new Date('2025-01-03T00:00:00.000Z'),
      }),
    ).toEqual({ number: 1, body: 'First', attachmentIds: ['a1'], replacedAt: '2025-01-03T00:00:00.000Z' });
  });
});

describe('chat list items (U1, S6)', () => {
  const groupChat = chat({ hideClientIdentities: true, clientNaming: 'first' });
  const summary = (overrides: Partial<chatV1.ChatSummary> = {}) => ({
    chat: groupChat,
    unreadCount: 3,
    readSeq: 4,
    teamCount: 2,
    clientCount: 2,
    clientId: undefined,
    lastMessage: message({ seq: 7, authorId: 'olivia', mentions: ['terry'] }),
    ...overrides,
  });
  const present = (viewerId: string, item: ReturnType<typeof summary>) => {
    const ctx = summaryContext(item, viewerId, directory);
    return presentChatListItem(viewerIn(ctx, viewerId)!, ctx, item);
  };

  it('U1: an item is the presented chat plus unreadCount and the presented lastMessage with its seq', () => {
    expect(present('dana', summary())).toMatchObject({
      id: 'chat1',
      kind: 'group',
      title: 'Morning walkers',
      avatar: 'sunrise',
      unreadCount: 3,
      lastMessage: { seq: 7, author: full.olivia, mentions: [full.terry] },
    });
    expect(present('dana', summary({ lastMessage: undefined })).lastMessage).toBeNull();
  });

  it('S6: a 1-on-1 is titled with the client for the practitioner and with the owner for the client', () => {
    const direct = chat({ id: 'd1', kind: 'direct', name: '', avatar: '' });
    const item = summary({
      chat: direct,
      teamCount: 1,
      clientCount: 1,
      clientId: 'dana',
      lastMessage: undefined,
    });
    expect(present('olivia', item)).toMatchObject({
      kind: 'direct',
      title: 'Dana Smith',
      avatar: 'https://img.example/dana.png',
    });
    expect(present('dana', item)).toMatchObject({
      kind: 'direct',
      title: 'Olivia Owens',
      avatar: 'https://img.example/olivia.png',
    });
  });

  it('S6: a shared chat is "<client> +N more" with the client\'s photo, N = team members beyond the owner', () => {
    const direct = chat({ id: 'd1', kind: 'direct', name: '', avatar: '' });
    const item = summary({
      chat: direct,
      teamCount: 3,
      clientCount: 1,
      clientId: 'dana',
      lastMessage: undefined,
    });
    expect(present('terry', item)).toMatchObject({
      kind: 'shared',
      title: 'Dana Smith +2 more',
      avatar: 'https://img.example/dana.png',
    });
  });

  it("S6: a group is titled by its name and avatar, never a client's photo", () => {
    const item = summary({ lastMessage: message({ authorId: 'dana' }) });
    for (const viewer of ['olivia', 'dana']) {
      expect(present(viewer, item)).toMatchObject({ title: 'Morning walkers', avatar: 'sunrise' });
    }
  });

  it("G4: a last message by another client is named by the chat's client naming", () => {
    const item = summary({
      chat: chat({ clientNaming: 'first_initial' }),
      lastMessage: message({ authorId: 'eli' }),
    });
    expect(present('dana', item).lastMessage?.author).toEqual({ ...full.eli, name: 'Eli J.' });
    expect(present('olivia', item).lastMessage?.author).toEqual(full.eli);
  });

  it("G5: a client needs the real participants only when a hidden group's last message names another client", () => {
    const danaViewer: Viewer = { personId: 'dana', kind: 'client' };
    const byEli = summary({ lastMessage: message({ authorId: 'eli' }) });
    const mentionsEli = summary({ lastMessage: message({ authorId: 'olivia', mentions: ['eli'] }) });
    expect(summaryNeedsParticipants(byEli, danaViewer, directory)).toBe(true);
    expect(summaryNeedsParticipants(mentionsEli, danaViewer, directory)).toBe(true);
    expect(summaryNeedsParticipants(summary(), danaViewer, directory)).toBe(false);
    expect(summaryNeedsParticipants(byEli, olivia, directory)).toBe(false);
    expect(
      summaryNeedsParticipants(
        summary({ chat: chat({ hideClientIdentities: false }), lastMessage: message({ authorId: 'eli' }) }),
        danaViewer,
        directory,
      ),
    ).toBe(false);
  });

  it('G5: with the real participants, a hidden client in the last message is a pseudonym without id or photo', () => {
    const item = summary({ lastMessage: message({ authorId: 'eli', mentions: ['eli'] }) });
    const ctx = context({ hideClientIdentities: true });
    const presented = presentChatListItem(dana, ctx, item);
    expect(presented.lastMessage?.author).toEqual({
      id: null,
      name: 'Member 4',
      photoUrl: null,
      kind: 'client',
    });
    expect(JSON.stringify(presented)).not.toMatch(/eli|Jones/i);
  });

  it('the page names each person once for the directory: viewer, owner, client, last author and mentions', () => {
    expect(peopleOfSummary(summary({ clientId: 'dana' }), 'eli')).toEqual([
      'eli',
      'olivia',
      'dana',
      'olivia',
      'terry',
    ]);
  });
});

describe('X1 reactions', () => {
  it('X1: a deleted message shows no reactions', () => {
    const presented = presentMessage(
      olivia,
      context(),
      message({
        deletedAt: new Date('2025-01-03T00:00:00.000Z'),
        reactions: [{ emoji: '👍', count: 1, reactedByMe: false }],
      }),
    );
    expect(presented.reactions).toEqual([]);
  });

  it('X1: who reacted is grouped per emoji in order, counted, with reactedByMe for the viewer', () => {
    const at = new Date('2025-01-03T00:00:00.000Z');
    const items = presentReactors(olivia, context(), [
      { emoji: '👍', personId: 'dana', createdAt: at },
      { emoji: '🎉', personId: 'olivia', createdAt: at },
      { emoji: '👍', personId: 'eli', createdAt: at },
    ]);
    expect(items).toEqual([
      { emoji: '👍', count: 2, reactedByMe: false, people: [full.dana, full.eli] },
      { emoji: '🎉', count: 1, reactedByMe: true, people: [full.olivia] },
    ]);
  });

  it('X1/G5: reactors are presented per viewer: a hidden client by pseudonym, a departed one as former participant', () => {
    const at = new Date('2025-01-03T00:00:00.000Z');
    const [item] = presentReactors(dana, context({ hideClientIdentities: true }), [
      { emoji: '👍', personId: 'eli', createdAt: at },
      { emoji: '👍', personId: 'gone', createdAt: at },
    ]);
    expect(item!.people).toEqual([
      { id: null, name: 'Member 4', photoUrl: null, kind: 'client' },
      formerParticipant,
    ]);
  });
});

describe('X5 read markers', () => {
  it('X5: a read marker presents its person for the viewer', () => {
    expect(presentReadMarker(terry, context(), { personId: 'dana', readSeq: 7 })).toEqual({
      person: full.dana,
      readSeq: 7,
    });
  });
});
