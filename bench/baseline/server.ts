/**
 * The baseline: a deliberately plain chat server to hold Huddle's figures
 * against. One process, fastify + pg + ws: a post is one INSERT, then a loop
 * over the sockets of the chat's members. No auth, no outbox, no broker, no
 * per-viewer presentation; people name themselves in a header.
 *
 *   POST /chats/:chatId/messages  {body}   x-person: <personId>   → 201 {id, body, …}
 *   GET  /stream?person=<personId>        WebSocket of {type: 'message.created', chatId, data}
 */
import Fastify from 'fastify';
import pg from 'pg';
import { type WebSocket, WebSocketServer } from 'ws';

const schema = `
  CREATE TABLE IF NOT EXISTS members (chat_id text NOT NULL, person_id text NOT NULL, PRIMARY KEY (chat_id, person_id));
  CREATE TABLE IF NOT EXISTS messages (
    id bigserial PRIMARY KEY,
    chat_id text NOT NULL,
    author_id text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );`;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(schema);

const sockets = new Map<string, Set<WebSocket>>();
const membersOf = new Map<string, string[]>();

async function members(chatId: string): Promise<string[]> {
  let ids = membersOf.get(chatId);
  if (!ids) {
    const { rows } = await pool.query('SELECT person_id FROM members WHERE chat_id = $1', [chatId]);
    ids = rows.map((row) => row.person_id as string);
    membersOf.set(chatId, ids);
  }
  return ids;
}

const app = Fastify();
app.get('/readyz', async () => ({ status: 'ok' }));
app.post<{ Params: { chatId: string }; Body: { body: string } }>(
  '/chats/:chatId/messages',
  async (request, reply) => {
    const authorId = String(request.headers['x-person'] ?? '');
    const { chatId } = request.params;
    const ids = await members(chatId);
    if (!ids.includes(authorId)) return reply.code(403).send({ code: 'not_a_member' });
    const { rows } = await pool.query(
      'INSERT INTO messages (chat_id, author_id, body) VALUES ($1, $2, $3) RETURNING id, created_at',
      [chatId, authorId, request.body.body],
    );
    const message = {
      id: String(rows[0].id),
      chatId,
      authorId,
      body: request.body.body,
      createdAt: rows[0].created_at,
    };
    const frame = JSON.stringify({ type: 'message.created', chatId, data: message });
    for (const personId of ids) for (const socket of sockets.get(personId) ?? []) socket.send(frame);
    return reply.code(201).send(message);
  },
);

const wss = new WebSocketServer({ server: app.server, path: '/stream' });
wss.on('connection', (socket, request) => {
  const personId = new URL(request.url ?? '', 'http://local').searchParams.get('person') ?? '';
  const own = sockets.get(personId) ?? new Set();
  sockets.set(personId, own.add(socket));
  socket.on('close', () => own.delete(socket));
  socket.send(JSON.stringify({ type: 'stream.ready' }));
});

await app.listen({ port: Number(process.env.PORT ?? 8090), host: '127.0.0.1' });
const shutdown = async () => {
  wss.close();
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
