import WebSocket from 'ws';
import { streamUrl, type Target } from './target';

/** Called with each text frame a socket receives. */
export type OnFrame = (frame: string) => void;

/** Opens a person's stream and resolves once the server says it is ready (catch-up done). */
export async function openSocket(target: Target, personId: string, onFrame: OnFrame): Promise<WebSocket> {
  const socket = new WebSocket(await streamUrl(target, personId));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stream of ${personId} not ready in 30 s`)), 30_000);
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`stream refused: ${response.statusCode}`)),
    );
    socket.on('message', (raw) => {
      const frame = String(raw);
      if (frame.includes('"stream.ready"')) {
        clearTimeout(timer);
        resolve();
      } else onFrame(frame);
    });
  });
  return socket;
}

/** Opens one socket per person, `concurrency` handshakes at a time. */
export async function openSockets(
  target: Target,
  personIds: string[],
  onFrame: OnFrame,
  concurrency = 32,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < personIds.length) sockets.push(await openSocket(target, personIds[next++]!, onFrame));
    }),
  );
  return sockets;
}

/** The body of a message.created frame the bench posted, without parsing the whole frame. */
export function benchBody(frame: string): string | undefined {
  if (!frame.includes('"type":"message.created"')) return undefined;
  const at = frame.indexOf('"body":"bench ');
  if (at < 0) return undefined;
  const start = at + '"body":"'.length;
  return frame.slice(start, frame.indexOf('"', start));
}
