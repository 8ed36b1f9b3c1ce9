import type { AuditRecordData } from '@huddle/contracts';
import type { FastifyRequest } from 'fastify';
import type { AuditRecorder } from '../audit/port';
import type { App } from '../fastify-app';
import { idPattern } from '../schemas';

/**
 * C1: what a route records in the audit trail, declared on the route:
 * `config: { audit: { action: 'chat.messages.read' } }`. The chat is the route's
 * `chatId` (path, or query for search); the rest are ids, choices and counts only.
 */
export interface AuditDeclaration {
  /** What was done, `<thing>.<past-tense>` (gateway/README.md lists every one). */
  action: string;
  /** Path params, or body fields holding an id or a list of ids, that name what the action touched. */
  targets?: readonly string[];
  /** Choices the request made (e.g. `messages: keep`) — never text a person wrote or searched for. */
  details?: (request: FastifyRequest) => Record<string, string | undefined>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditDeclaration;
  }
}

const ids = new RegExp(idPattern);
const USER_AGENT_MAX = 256;

/** Ids only: a value the schema has not validated (a 403 comes before validation) is left out. */
function idsOf(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === 'string' && ids.test(item));
}

/**
 * Which answers are recorded: a success (2xx) is an access or a change that happened;
 * a 403 is an attempt someone was refused, worth proving. Others are not: 401 names no
 * one, 400/409/422 changed nothing, and 404 is also what a non-participant gets for a
 * chat (A1) — recording those would log guesses at ids, not accesses.
 */
function outcomeOf(status: number): AuditRecordData['outcome'] | undefined {
  if (status >= 200 && status < 300) return 'succeeded';
  if (status === 403) return 'forbidden';
  return undefined;
}

/** Records each audited route's answer after it is sent (onResponse): the response never waits. */
export function installAudit(app: App, recorder: AuditRecorder): void {
  app.addHook('onResponse', async (request, reply) => {
    const declaration = request.routeOptions.config.audit;
    const { principal } = request;
    if (!declaration || !principal) return;
    const outcome = outcomeOf(reply.statusCode);
    if (!outcome) return;
    const actorId = principal.kind === 'person' ? principal.personId : `svc:${principal.name}`;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const [chatId = null] = idsOf(params.chatId ?? query.chatId);
    const targetIds = (declaration.targets ?? []).flatMap((name) =>
      // `me` stands for the caller (P3 leave).
      idsOf(params[name] ?? body[name]).map((id) => (id === 'me' ? actorId : id)),
    );
    const details = Object.fromEntries(
      Object.entries(declaration.details?.(request) ?? {}).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    recorder.record({
      practiceId: principal.practiceId,
      actorId,
      action: declaration.action,
      chatId,
      targetIds,
      outcome,
      requestId: request.id,
      clientIp: request.ip,
      userAgent: (request.headers['user-agent'] ?? '').slice(0, USER_AGENT_MAX),
      details,
    });
  });
}

const fieldsOf = (request: FastifyRequest): Record<string, unknown> => ({
  ...((request.query ?? {}) as Record<string, unknown>),
  ...((request.body ?? {}) as Record<string, unknown>),
});

/** A choice as a detail: a flag, a number or a short keyword — never free text. */
function choiceOf(value: unknown): string | undefined {
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value)) return value;
  return undefined;
}

/** Details: these query or body fields' values, where they are choices (`messages: keep`). */
export const choices =
  (...names: string[]) =>
  (request: FastifyRequest): Record<string, string | undefined> => {
    const fields = fieldsOf(request);
    return Object.fromEntries(names.map((name) => [name, choiceOf(fields[name])]));
  };

/** Details: which fields a change set (`fields: locked,name`), not the values it set them to. */
export const changedFields = (request: FastifyRequest): Record<string, string> => ({
  fields: Object.keys((request.body ?? {}) as object)
    .sort()
    .join(','),
});
