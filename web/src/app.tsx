import { HuddleError, type Me, unwrap } from '@huddle/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ChatList } from './chat-list';
import { ChatView } from './chat-view';
import { SessionContext, useSessionMe } from './context';
import { Notifications, useUnreadNotifications } from './notifications';
import { useRoute } from './route';
import { forgetToken, openSession, storedToken, storeToken } from './session';
import { SignIn } from './sign-in';

export function App() {
  const [token, setToken] = useState(storedToken);
  if (!token) {
    return (
      <SignIn
        onToken={(next) => {
          storeToken(next);
          setToken(next);
        }}
      />
    );
  }
  return (
    <SignedIn
      key={token}
      token={token}
      onSignOut={() => {
        forgetToken();
        setToken(null);
      }}
    />
  );
}

function SignedIn({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const session = useMemo(() => openSession(token), [token]);
  const [me, setMe] = useState<Me | null>(null);
  const [failure, setFailure] = useState('');
  const route = useRoute();

  useEffect(() => {
    unwrap(session.client.rest.GET('/v1/me'))
      .then(setMe)
      .catch((error: unknown) => {
        // A token for someone not (or no longer) in the directory: back to sign-in.
        if (error instanceof HuddleError && error.status === 401) onSignOut();
        else setFailure(error instanceof Error ? error.message : 'The gateway did not answer');
      });
    return () => void session.stream.close();
  }, [session]);

  if (failure) return <p role="alert">{failure}</p>;
  if (!me)
    return (
      <p class="empty" aria-live="polite">
        Loading…
      </p>
    );
  const openChat = route.view === 'chats' ? route.chatId : null;

  return (
    <SessionContext.Provider value={{ ...session, me }}>
      <div class={`shell ${route.view === 'notifications' || openChat ? 'has-detail' : ''}`}>
        <Header onSignOut={onSignOut} />
        <nav class="sidebar" aria-label="Chats">
          <ChatList activeChatId={openChat} />
        </nav>
        <main class="detail" id="main">
          {route.view === 'notifications' ? (
            <Notifications />
          ) : openChat ? (
            <ChatView key={openChat} chatId={openChat} />
          ) : (
            <p class="empty">Choose a chat.</p>
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}

function Header({ onSignOut }: { onSignOut: () => void }) {
  const unread = useUnreadNotifications();
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        Huddle
      </a>
      <MeName />
      <a class="inbox-link" href="#/notifications">
        Notifications
        {unread > 0 && (
          <span class="badge">
            {unread}
            <span class="visually-hidden"> unread</span>
          </span>
        )}
      </a>
      <button type="button" class="link" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}

function MeName() {
  const { me } = useSessionMe();
  return (
    <span class="me" data-testid="me">
      {me.firstName} {me.lastName}
    </span>
  );
}
