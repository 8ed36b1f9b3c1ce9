import { createHuddleClient, type HuddleClient, type HuddleStream } from '@huddle/client';

/**
 * The signed-in person's token, kept for this tab only (sessionStorage): closing the tab
 * signs out, and two tabs may be two different people, which is how one clicks through
 * both sides of a chat.
 */
const tokenKey = 'huddle.token';

export const storedToken = () => sessionStorage.getItem(tokenKey);
export const storeToken = (token: string) => sessionStorage.setItem(tokenKey, token);
export const forgetToken = () => sessionStorage.removeItem(tokenKey);

export interface Session {
  client: HuddleClient;
  stream: HuddleStream;
}

/** The gateway serving this app is the API's: same origin, so no CORS and no configuration. */
export function openSession(token: string): Session {
  const client = createHuddleClient({ baseUrl: location.origin, token });
  return { client, stream: client.stream() };
}
