import type { HuddleClient, HuddleStream, Me, StreamEvent } from '@huddle/client';
import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';

export interface SignedInSession {
  client: HuddleClient;
  stream: HuddleStream;
  me: Me;
}

export const SessionContext = createContext<SignedInSession | null>(null);

export function useSessionMe(): SignedInSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSessionMe outside a signed-in session');
  return session;
}

/**
 * Calls `listener` for every realtime event (and `stream.reset`, after which lists are
 * refetched); the latest listener is used without resubscribing.
 */
export function useStreamEvents(listener: (event: StreamEvent) => void) {
  const { stream } = useSessionMe();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => stream.onEvent((event) => latest.current(event)), [stream]);
}

export const isTeamMember = (me: Me) => me.kind === 'practitioner';
