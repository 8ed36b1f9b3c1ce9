import { useEffect, useState } from 'preact/hooks';

/** Where the app is: `#/chats/<id>`, `#/notifications` or the chat list. Hash routes need no server fallback. */
export type Route = { view: 'chats'; chatId: string | null } | { view: 'notifications' };

function parse(hash: string): Route {
  const [, view, id] = hash.replace(/^#/, '').split('/');
  if (view === 'notifications') return { view: 'notifications' };
  return { view: 'chats', chatId: view === 'chats' && id ? decodeURIComponent(id) : null };
}

export const chatHref = (chatId: string) => `#/chats/${encodeURIComponent(chatId)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
