import WebSocket from 'ws';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON client for the public API. */
export function api(baseUrl: string, token?: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

export interface Socket {
  /** Every event received so far. */
  events: Array<{ id: string; type: string; chatId: string; data: any }>;
  /** Resolves with the first event (already received or still to come) that matches. */
  next(
    match: (event: Socket['events'][number]) => boolean,
    timeoutMs?: number,
  ): Promise<Socket['events'][number]>;
  /** Sends a frame to the gateway (e.g. `{type: 'typing', chatId}`). */
  send(frame: unknown): void;
  /** Settles when the socket closes, with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/**
 * Opens the realtime stream as a person; resolves once the socket is open.
 * With `lastEventId`, it resumes from that event (catch-up or `stream.reset`).
 */
export async function openStream(
  baseUrl: string,
  token: string,
  options: { lastEventId?: string } = {},
): Promise<Socket> {
  const resume =
    options.lastEventId === undefined ? '' : `&last_event_id=${encodeURIComponent(options.lastEventId)}`;
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream?access_token=${token}${resume}`);
  const events: Socket['events'] = [];
  const waiters: Array<() => void> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  ws.on('message', (raw) => {
    events.push(JSON.parse(String(raw)));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`stream refused: ${res.statusCode}`)));
  });
  return {
    events,
    next: (match, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('no matching event in time')), timeoutMs);
        const look = () => {
          const found = events.find(match);
          if (found) {
            clearTimeout(deadline);
            resolve(found);
          } else waiters.push(look);
        };
        look();
      }),
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    closed,
    close: () => ws.close(),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
