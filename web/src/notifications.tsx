import { type Notification, unwrap } from '@huddle/client';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useSessionMe, useStreamEvents } from './context';
import { chatHref } from './route';

const describe: Record<string, string> = {
  message: 'New message',
  mention: 'Mentioned you',
  added: 'Added you',
  scheduled_message_failed: 'A scheduled message could not be sent',
};

/** The inbox's unread count for the header, kept current by `notification.created`. */
export function useUnreadNotifications(): number {
  const { client } = useSessionMe();
  const [unread, setUnread] = useState(0);
  const load = useCallback(async () => {
    const page = await unwrap(client.rest.GET('/v1/notifications', { params: { query: { limit: 1 } } }));
    setUnread(page.unreadCount);
  }, [client]);
  useEffect(() => {
    void load();
    addEventListener('huddle:inbox-read', load);
    return () => removeEventListener('huddle:inbox-read', load);
  }, [load]);
  useStreamEvents((event) => {
    if (event.type === 'notification.created' || event.type === 'stream.reset') void load();
  });
  return unread;
}

/** N1, X6: the in-app inbox, each item titled as this person sees the chat. */
export function Notifications() {
  const { client } = useSessionMe();
  const [items, setItems] = useState<Notification[] | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    const page = await unwrap(client.rest.GET('/v1/notifications', { params: { query: { limit: 50 } } }));
    setItems(page.items);
  }, [client]);
  useEffect(() => {
    void load();
    heading.current?.focus();
  }, [load]);
  useStreamEvents((event) => {
    if (event.type === 'notification.created') setItems((list) => (list ? [event.data, ...list] : list));
  });

  async function markAllRead() {
    await client.rest.POST('/v1/notifications/read', { body: { all: true } });
    dispatchEvent(new Event('huddle:inbox-read'));
    await load();
  }

  return (
    <section class="inbox" aria-labelledby="inbox-title">
      <header class="detail-header">
        <a class="back" href="#/" aria-label="Back to chats">
          ←
        </a>
        <h1 id="inbox-title" ref={heading} tabIndex={-1}>
          Notifications
        </h1>
        <button type="button" onClick={markAllRead}>
          Mark all read
        </button>
      </header>
      {!items ? (
        <p class="empty" aria-live="polite">
          Loading…
        </p>
      ) : items.length === 0 ? (
        <p class="empty">Nothing new.</p>
      ) : (
        <ul class="notifications">
          {items.map((item) => (
            <li key={item.id} class={item.readAt ? '' : 'unread'}>
              <a href={item.chat?.title ? chatHref(item.chatId) : undefined}>
                <strong>{describe[item.type] ?? item.type}</strong>
                {item.chat?.title && <span> in {item.chat.title}</span>}
                {item.actor && <span> · {item.actor.name}</span>}
                {item.snippet && <q>{item.snippet}</q>}
                {item.createdAt && <time dateTime={item.createdAt}>{formatTime(item.createdAt)}</time>}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export const formatTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
