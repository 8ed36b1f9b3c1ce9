import { type ChatListItem, unwrap } from '@huddle/client';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { revalidateMs } from './chat-view';
import { useSessionMe, useStreamEvents } from './context';
import { chatHref } from './route';

/** Events after which the list (titles, unread counts, last messages, membership) is fetched again. */
const listChanges = new Set([
  'message.created',
  'message.deleted',
  'chat.updated',
  'chat.converted',
  'participant.added',
  'participant.removed',
  'personal_state.updated',
  'notification.created',
  'stream.reset',
]);

/** S6 titles and U1 unread counts as this person sees them, kept current by the stream. */
export function ChatList({ activeChatId }: { activeChatId: string | null }) {
  const { client } = useSessionMe();
  const [chats, setChats] = useState<ChatListItem[] | null>(null);
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);

  const load = useCallback(async () => {
    const page = await unwrap(client.rest.GET('/v1/chats', { params: { query: { limit: 100 } } }));
    setChats(page.items);
  }, [client]);

  useEffect(() => {
    void load();
    // The slow fallback for a socket that has not reconnected yet: a removal comes live as chat.left.
    const timer = setInterval(() => document.visibilityState === 'visible' && void load(), revalidateMs);
    return () => clearInterval(timer);
  }, [load]);

  useStreamEvents((event) => {
    if (event.type === 'chat.left') {
      // P4: out of the chat, at once; the list's next load agrees.
      setChats((current) => current?.filter((chat) => chat.id !== event.data.chatId) ?? current);
      return;
    }
    if (!listChanges.has(event.type)) return;
    clearTimeout(pending.current);
    pending.current = setTimeout(() => void load(), 150);
  });

  if (!chats)
    return (
      <p class="empty" aria-live="polite">
        Loading chats…
      </p>
    );
  if (chats.length === 0) return <p class="empty">No chats yet.</p>;
  return (
    <ul class="chat-list" data-testid="chat-list">
      {chats.map((chat) => (
        <li key={chat.id}>
          <a
            href={chatHref(chat.id)}
            class="chat-item"
            aria-current={chat.id === activeChatId ? 'page' : undefined}
          >
            <span class={`avatar avatar-${chat.avatar ?? 'person'}`} aria-hidden="true">
              {chat.title.slice(0, 1)}
            </span>
            <span class="chat-item-text">
              <span class="chat-title">
                {chat.title}
                {chat.locked && <span class="tag">Locked</span>}
              </span>
              <span class="chat-last">
                {chat.lastMessage
                  ? `${chat.lastMessage.author.name}: ${chat.lastMessage.body || 'sent a file'}`
                  : kindLabel(chat.kind)}
              </span>
            </span>
            {chat.unreadCount > 0 && (
              <span class="badge" data-testid="unread">
                {chat.unreadCount}
                <span class="visually-hidden"> unread</span>
              </span>
            )}
          </a>
        </li>
      ))}
    </ul>
  );
}

const kindLabel = (kind: string) =>
  kind === 'group' ? 'Group chat' : kind === 'shared' ? 'Shared chat' : '1-on-1 chat';
