import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  checkChannels,
  emailText,
  signWebhook,
  webhookBody,
  withoutContent,
} from '../../src/domain/outbound';

const notification = {
  id: 'n1',
  type: 'message' as const,
  chatId: 'chat1',
  messageId: 'm1',
  createdAt: '2026-01-02T03:04:05.000Z',
  readAt: null,
};

describe('N1: outbound webhooks', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256, hex, as v1=', () => {
    const body = '{"a":1}';
    const expected = createHmac('sha256', 'a-secret-of-16-chars').update(`1700000000.${body}`).digest('hex');
    expect(signWebhook('a-secret-of-16-chars', 1700000000, body)).toBe(`v1=${expected}`);
    expect(signWebhook('a-secret-of-16-chars', 1700000001, body)).not.toBe(`v1=${expected}`);
  });

  it('backs off by doubling from the base, capped at an hour', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(1000, attempt))).toEqual([
      1000, 2000, 4000, 8000, 16000,
    ]);
    expect(backoffDelay(1000, 13)).toBe(60 * 60 * 1000);
    expect(backoffDelay(1000, 40)).toBe(60 * 60 * 1000);
  });

  it('is content-free unless the practice includes content', () => {
    const bare = webhookBody('p1', 'dana', notification, null);
    expect(bare).toEqual({
      type: 'notification.created',
      practiceId: 'p1',
      personId: 'dana',
      notification: {
        id: 'n1',
        type: 'message',
        chatId: 'chat1',
        messageId: 'm1',
        createdAt: notification.createdAt,
      },
    });
    expect(JSON.stringify(bare)).not.toContain('body');
    const full = webhookBody('p1', 'dana', notification, 'Hello');
    expect(full.notification).toMatchObject({ body: 'Hello' });
    // Once done, a delivery keeps no message text.
    expect(withoutContent('webhook', full)).toEqual(bare);
    expect(withoutContent('email', { contents: ['Hello'] })).toEqual({ contents: [] });
  });

  it('takes only http(s) webhook URLs, each with a 16-256 character secret', () => {
    const ok = {
      webhookUrl: 'https://example.test/hook',
      webhookSecret: 'x'.repeat(16),
      secretAlreadySet: false,
    };
    expect(() => checkChannels(ok)).not.toThrow();
    expect(() => checkChannels({ ...ok, webhookUrl: 'ftp://example.test' })).toThrow(/not valid/);
    expect(() => checkChannels({ ...ok, webhookSecret: 'short' })).toThrow(/not valid/);
    expect(() => checkChannels({ ...ok, webhookSecret: 'x'.repeat(257) })).toThrow(/not valid/);
    expect(() => checkChannels({ ...ok, webhookSecret: null })).toThrow(/not valid/);
    expect(() => checkChannels({ ...ok, webhookSecret: null, secretAlreadySet: true })).not.toThrow();
    expect(() =>
      checkChannels({ webhookUrl: null, webhookSecret: null, secretAlreadySet: false }),
    ).not.toThrow();
    expect(() => checkChannels({ ...ok, webhookUrl: null })).toThrow(/not valid/);
  });
});

describe('N1: outbound email', () => {
  it('says there are new messages and how many are unread, with no text unless content is included', () => {
    const bare = emailText(3, []);
    expect(bare).toContain('You have new messages in Huddle');
    expect(bare).toContain('3 unread notifications');
    expect(emailText(1, ['See you at 5'])).toContain('> See you at 5');
  });
});
