import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { AVATARS, type Chat, validateNewGroup } from '../../src/domain/chat';
import {
  assertMayReplyTo,
  assertMayWrite,
  type Message,
  toEventData,
  validateNewMessage,
} from '../../src/domain/message';

const chat = (overrides: Partial<Chat> = {}): Chat => ({
  id: 'c1',
  practiceId: 'p1',
  kind: 'group',
  name: 'Group',
  avatar: 'leaf',
  style: 'feed',
  clientNaming: 'full',
  hideClientIdentities: false,
  locked: false,
  ownerId: 'owner',
  programId: null,
  namedAfterClientId: null,
  createdAt: new Date(0).toISOString(),
  ...overrides,
});

const message = (overrides: Partial<Message> = {}): Message => ({
  id: 'm1',
  chatId: 'c1',
  seq: 1,
  parentId: null,
  authorId: 'a',
  body: 'hi',
  mentions: [],
  attachmentIds: [],
  createdAt: new Date(0).toISOString(),
  replyCount: 0,
  pinnedAt: null,
  editedAt: null,
  deletedAt: null,
  ...overrides,
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof HuddleError ? error.code : 'not a HuddleError';
  }
  return 'no error';
};

const group = {
  creatorId: 'dana',
  name: 'Morning',
  avatar: '',
  style: 'feed',
  clientNaming: '',
  hideClientIdentities: false,
  participantIds: [],
};

describe('G1: group settings', () => {
  it('defaults the avatar and client naming, trims the name and drops the creator from the participants', () => {
    const settings = validateNewGroup({
      ...group,
      name: '  Morning  ',
      participantIds: ['dana', 'cleo', 'cleo'],
    });
    expect(settings).toMatchObject({ name: 'Morning', avatar: AVATARS[0], clientNaming: 'full' });
    expect(settings.participantIds).toEqual(['cleo']);
  });

  it('an empty group is fine', () => {
    expect(validateNewGroup(group).participantIds).toEqual([]);
  });

  it('names every bad field at once', () => {
    try {
      validateNewGroup({
        ...group,
        name: 'x'.repeat(101),
        avatar: 'dragon',
        style: 'wall',
        clientNaming: 'nick',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HuddleError);
      expect((error as HuddleError).details?.fields).toEqual({
        name: expect.any(String),
        avatar: expect.any(String),
        style: expect.any(String),
        clientNaming: expect.any(String),
      });
    }
  });

  it('refuses more than 500 initial participants and malformed ids', () => {
    const many = Array.from({ length: 501 }, (_, n) => `p${n}`);
    expect(codeOf(() => validateNewGroup({ ...group, participantIds: many }))).toBe('validation_failed');
    expect(codeOf(() => validateNewGroup({ ...group, participantIds: ['no spaces'] }))).toBe(
      'validation_failed',
    );
  });
});

describe('messages', () => {
  it('a body is 1-10,000 characters unless attachments carry the message', () => {
    expect(
      codeOf(() => validateNewMessage({ body: '  ', parentId: null, mentions: [], attachmentIds: [] })),
    ).toBe('validation_failed');
    expect(
      codeOf(() =>
        validateNewMessage({ body: 'x'.repeat(10_001), parentId: null, mentions: [], attachmentIds: [] }),
      ),
    ).toBe('validation_failed');
    expect(
      validateNewMessage({ body: '', parentId: null, mentions: [], attachmentIds: ['a1'] }).attachmentIds,
    ).toEqual(['a1']);
  });

  it('G9: mentions are unique person ids, at most 50', () => {
    expect(
      validateNewMessage({ body: 'hi', parentId: null, mentions: ['a', 'a'], attachmentIds: [] }).mentions,
    ).toEqual(['a']);
    const many = Array.from({ length: 51 }, (_, n) => `p${n}`);
    expect(
      codeOf(() => validateNewMessage({ body: 'hi', parentId: null, mentions: many, attachmentIds: [] })),
    ).toBe('validation_failed');
  });

  it('G6: in a locked chat only the owner posts or changes messages', () => {
    expect(codeOf(() => assertMayWrite(chat({ locked: true }), 'someone'))).toBe('chat_locked');
    expect(codeOf(() => assertMayWrite(chat({ locked: true }), 'owner'))).toBe('no error');
    expect(codeOf(() => assertMayWrite(chat(), 'someone'))).toBe('no error');
  });

  it('realtime: a message event carries what the message shows: pin state, edit, deletion, replies, described files', () => {
    const file = {
      id: 'a2',
      practiceId: 'p1',
      uploaderId: 'a',
      filename: 'menu.pdf',
      contentType: 'application/pdf',
      size: 12,
      sha256: 'f'.repeat(64),
      createdAt: new Date(0).toISOString(),
    };
    const edited = message({
      attachmentIds: ['a1', 'a2'],
      pinnedAt: new Date(1).toISOString(),
      editedAt: new Date(2).toISOString(),
      replyCount: 4,
    });
    expect(toEventData(edited, new Map([['a2', file]]))).toEqual({
      id: 'm1',
      chatId: 'c1',
      seq: 1,
      parentId: null,
      authorId: 'a',
      body: 'hi',
      mentions: [],
      attachmentIds: ['a1', 'a2'],
      createdAt: new Date(0).toISOString(),
      replyCount: 4,
      pinned: true,
      editedAt: new Date(2).toISOString(),
      deletedAt: null,
      // Only what a message shows of a file: never who uploaded it or its hash.
      attachments: [
        {
          id: 'a2',
          filename: 'menu.pdf',
          contentType: 'application/pdf',
          size: 12,
          createdAt: file.createdAt,
        },
      ],
    });
  });

  it('G2: replies only in feed chats, one level deep, to a live post of the same chat', () => {
    expect(codeOf(() => assertMayReplyTo(chat({ style: 'direct' }), message()))).toBe(
      'not_supported_in_style',
    );
    expect(codeOf(() => assertMayReplyTo(chat(), message({ parentId: 'm0' })))).toBe('validation_failed');
    expect(codeOf(() => assertMayReplyTo(chat(), message({ chatId: 'other' })))).toBe('validation_failed');
    expect(codeOf(() => assertMayReplyTo(chat(), message({ deletedAt: new Date().toISOString() })))).toBe(
      'validation_failed',
    );
    expect(codeOf(() => assertMayReplyTo(chat(), undefined))).toBe('validation_failed');
    expect(codeOf(() => assertMayReplyTo(chat(), message()))).toBe('no error');
  });
});
