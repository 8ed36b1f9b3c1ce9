import { type Chat, HuddleError, type Message, type Participant, type Reply, unwrap } from '@huddle/client';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ChatSettings } from './chat-settings';
import { Composer } from './composer';
import { isTeamMember, useSessionMe, useStreamEvents } from './context';
import { MessageItem } from './message';
import { People } from './people';

type Panel = 'settings' | 'people' | null;

/**
 * How often an open chat and the chat list are looked at again. A removal comes live as
 * `chat.left` (P4), and one missed while the socket was away is replayed on reconnect; this is
 * the slow fallback for a socket that has not reconnected yet.
 */
export const revalidateMs = 60_000;

/** One chat: its messages in its style (G2), a thread beside feed posts, typing, the composer. */
export function ChatView({ chatId }: { chatId: string }) {
  const { client, me } = useSessionMe();
  const [chat, setChat] = useState<Chat | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [pinned, setPinned] = useState<Message[]>([]);
  const [participants, setParticipants] = useState<Participant[]>([]);
  const [threadId, setThreadId] = useState<string | null>(null);
  const [typing, setTyping] = useState<Map<string, number>>(new Map());
  const [panel, setPanel] = useState<Panel>(null);
  const [gone, setGone] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const path = { chatId };

  const loadMessages = useCallback(async () => {
    const page = await unwrap(
      client.rest.GET('/v1/chats/{chatId}/messages', { params: { path, query: { limit: 50 } } }),
    );
    setMessages(page.items);
    setPinned(page.pinned ?? []);
    // U1: what is on screen is read.
    const seq = Math.max(0, ...[...page.items, ...(page.pinned ?? [])].map((message) => message.seq));
    if (seq > 0) await client.rest.PUT('/v1/chats/{chatId}/read', { params: { path }, body: { seq } });
  }, [client, chatId]);

  const loadParticipants = useCallback(async () => {
    const page = await unwrap(client.rest.GET('/v1/chats/{chatId}/participants', { params: { path } }));
    setParticipants(page.items);
  }, [client, chatId]);

  useEffect(() => {
    unwrap(client.rest.GET('/v1/chats/{chatId}', { params: { path } }))
      .then((loaded) => {
        setChat(loaded);
        heading.current?.focus();
        return Promise.all([loadMessages(), loadParticipants()]);
      })
      .catch(() => setGone(true));
  }, [chatId]);

  /** P4: the chat is gone (404) once this person was removed from it or left it. */
  const recheck = useCallback(() => {
    client.rest.GET('/v1/chats/{chatId}', { params: { path } }).catch((error: unknown) => {
      if (error instanceof HuddleError && error.status === 404) setGone(true);
    });
  }, [client, chatId]);

  // The slow fallback: `chat.left` closes the chat live.
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && recheck(), revalidateMs);
    return () => clearInterval(timer);
  }, [recheck]);

  useStreamEvents((event) => {
    if (event.type === 'stream.reset') {
      recheck();
      void loadMessages();
      void loadParticipants();
      return;
    }
    if (event.chatId !== chatId) return;
    switch (event.type) {
      case 'chat.left':
        // P4: removed (or left on another device): nothing more of this chat comes.
        setGone(true);
        break;
      case 'chat.updated':
      case 'chat.converted':
        setChat(event.data);
        void loadMessages();
        break;
      case 'participant.added':
        void loadParticipants();
        break;
      case 'participant.removed':
        // P2: their messages are now unlinked ("Former participant") or gone.
        void loadParticipants();
        void loadMessages();
        break;
      case 'typing': {
        const name = event.data.person.name;
        setTyping((current) => new Map(current).set(name, Date.now()));
        setTimeout(() => setTyping((current) => pruneTyping(current)), 4_000);
        break;
      }
      default:
        if (event.type.startsWith('message.') || event.type.startsWith('reaction.')) void loadMessages();
    }
  });

  if (gone) {
    return (
      <section class="chat-view" aria-live="polite">
        <p class="empty">This chat is not available to you.</p>
      </section>
    );
  }
  if (!chat)
    return (
      <p class="empty" aria-live="polite">
        Loading chat…
      </p>
    );

  const isOwner = chat.ownerId === me.id;
  const team = isTeamMember(me);
  const feed = chat.style === 'feed';
  const lockedOut = chat.locked && !isOwner;
  const disabledReason = lockedOut ? 'This group is locked: only its owner can post.' : null;
  const thread = threadId ? [...pinned, ...messages].find((message) => message.id === threadId) : undefined;
  const typists = [...typing.keys()];
  const ordered = feed ? messages : [...messages].reverse();
  const canManagePeople = isOwner || me.teamRole === 'owner' || me.teamRole === 'admin';

  return (
    <section class={`chat-view ${thread ? 'with-thread' : ''}`} aria-labelledby="chat-title">
      <header class="detail-header">
        <a class="back" href="#/" aria-label="Back to chats">
          ←
        </a>
        <div class="chat-heading">
          <h1 id="chat-title" ref={heading} tabIndex={-1}>
            {chat.title}
          </h1>
          <p class="meta">
            {chat.kind === 'group'
              ? `Group · ${chat.style}`
              : chat.kind === 'shared'
                ? 'Shared chat'
                : '1-on-1'}
            {chat.locked && ' · Locked'}
            {chat.hideClientIdentities && team && ' · Client identities hidden'}
          </p>
        </div>
        <button type="button" onClick={() => setPanel('people')}>
          {chat.kind === 'direct' && isOwner ? 'Share' : 'People'}
        </button>
        {isOwner && chat.kind === 'group' && (
          <button type="button" onClick={() => setPanel('settings')}>
            Settings
          </button>
        )}
      </header>
      <div class="chat-body">
        <div class="messages-column">
          {!feed && <MessageList messages={ordered} chat={chat} lockedOut={lockedOut} />}
          <Composer
            chatId={chatId}
            participants={participants}
            disabledReason={disabledReason}
            label={feed ? 'Write a post' : 'Write a message'}
          />
          {feed && pinned.length > 0 && (
            <section aria-label="Pinned posts">
              <MessageList messages={pinned} chat={chat} lockedOut={lockedOut} onOpenThread={setThreadId} />
            </section>
          )}
          {feed && (
            <MessageList messages={ordered} chat={chat} lockedOut={lockedOut} onOpenThread={setThreadId} />
          )}
          <p class="typing" aria-live="polite">
            {typists.length > 0 && `${typists.join(', ')} ${typists.length === 1 ? 'is' : 'are'} typing…`}
          </p>
        </div>
        {thread && (
          <Thread
            post={thread}
            chat={chat}
            participants={participants}
            disabledReason={disabledReason}
            onClose={() => setThreadId(null)}
          />
        )}
      </div>
      {panel === 'settings' && <ChatSettings chat={chat} onClose={() => setPanel(null)} />}
      {panel === 'people' && (
        <People
          chat={chat}
          participants={participants}
          canAdd={team && (chat.kind === 'group' || isOwner)}
          canRemove={canManagePeople}
          onChanged={loadParticipants}
          onClose={() => setPanel(null)}
        />
      )}
    </section>
  );
}

function MessageList({
  messages,
  chat,
  lockedOut,
  onOpenThread,
}: {
  messages: Message[];
  chat: Chat;
  lockedOut: boolean;
  onOpenThread?: (id: string) => void;
}) {
  const { me } = useSessionMe();
  const end = useRef<HTMLLIElement>(null);
  const feed = chat.style === 'feed';
  // Direct style: newest at the bottom, kept in view.
  useEffect(() => {
    if (!feed) end.current?.scrollIntoView({ block: 'end' });
  }, [messages.length, feed]);
  if (messages.length === 0) return <p class="empty">No messages yet.</p>;
  return (
    <ol class={`messages ${feed ? 'feed' : 'direct'}`} aria-label="Messages" data-testid="messages">
      {messages.map((message) => (
        <li key={message.id}>
          <MessageItem
            message={message}
            actions={{
              ...(onOpenThread ? { onOpenThread: () => onOpenThread(message.id) } : {}),
              canPin: feed && isTeamMember(me) && !lockedOut,
              canEdit: feed && message.author.id === me.id && !lockedOut,
            }}
          />
        </li>
      ))}
      <li ref={end} aria-hidden="true" />
    </ol>
  );
}

function Thread({
  post,
  chat,
  participants,
  disabledReason,
  onClose,
}: {
  post: Message;
  chat: Chat;
  participants: Participant[];
  disabledReason: string | null;
  onClose: () => void;
}) {
  const { client, me } = useSessionMe();
  const [replies, setReplies] = useState<Reply[]>([]);
  const path = { chatId: chat.id, messageId: post.id };
  const load = useCallback(async () => {
    const page = await unwrap(
      client.rest.GET('/v1/chats/{chatId}/messages/{messageId}/replies', {
        params: { path, query: { limit: 100 } },
      }),
    );
    setReplies(page.items);
  }, [client, post.id]);
  useEffect(() => {
    void load();
  }, [load, post.replyCount]);
  useStreamEvents((event) => {
    if (event.chatId === chat.id && event.type.startsWith('message.')) void load();
  });
  return (
    <aside class="thread" aria-label="Thread">
      <header>
        <h2>Thread</h2>
        <button type="button" class="icon" aria-label="Close thread" onClick={onClose}>
          ×
        </button>
      </header>
      <MessageItem message={post} actions={{ canPin: false, canEdit: false }} />
      <ol class="messages direct" aria-label="Replies">
        {replies.map((reply) => (
          <li key={reply.id}>
            <MessageItem
              message={reply}
              actions={{ canPin: false, canEdit: reply.author.id === me.id && !disabledReason }}
            />
          </li>
        ))}
      </ol>
      <Composer
        chatId={chat.id}
        parentId={post.id}
        participants={participants}
        disabledReason={disabledReason}
        label="Reply"
      />
    </aside>
  );
}

function pruneTyping(current: Map<string, number>) {
  const now = Date.now();
  return new Map([...current].filter(([, at]) => now - at < 3_500));
}
