import { HuddleError } from '@huddle/errors';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { choices } from '../plugins/audit';
import { routeGroup } from '../plugins/route-group';
import { presentProgramChat } from '../presenter/programs';
import {
  CHAT_AVATARS,
  ChatStyle,
  ClientNaming,
  Id,
  Nullable,
  problemResponses,
  StringEnum,
} from '../schemas';
import type { RouteDeps } from './types';

const ProgramChatBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    ownerId: Id,
    practitionerIds: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
    style: Type.Optional(ChatStyle),
    avatar: Type.Optional(StringEnum([...CHAT_AVATARS])),
    clientNaming: Type.Optional(ClientNaming),
    hideClientIdentities: Type.Optional(Type.Boolean()),
    locked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ProgramChat = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  style: Type.String(),
  avatar: Nullable(Type.String()),
  clientNaming: Type.String(),
  hideClientIdentities: Type.Boolean(),
  locked: Type.Boolean(),
  ownerId: Type.String(),
  programId: Nullable(Type.String()),
});

const Enrollment = Type.Object({
  chatId: Type.String(),
  enrolled: Type.Boolean(),
  changed: Type.Boolean({ description: 'False when the client already was (or was not) enrolled' }),
});

const ProgramParams = Type.Object({ practiceId: Id, programId: Id });
const EnrollmentParams = Type.Object({ practiceId: Id, programId: Id, clientId: Id });

/** Who the chat service records as having added people: the program system's service name. */
function actorOf(request: FastifyRequest): string {
  const { principal } = request;
  if (principal?.kind !== 'service') throw new HuddleError('forbidden', 'This route needs a service token');
  return `svc:${principal.name}`;
}

/**
 * R1: program-management systems keep a group chat per program, keyed by its
 * program id: retries and concurrent calls land on the same chat.
 */
export const programRoutes = routeGroup(
  { tags: ['programs'], auth: 'service', scope: 'programs:write' },
  programs,
);

function programs(app: App, { services }: RouteDeps) {
  app.put(
    '/v1/practices/:practiceId/programs/:programId/chat',
    {
      config: {
        audit: { action: 'program.chat.upserted', targets: ['programId'], details: choices('locked') },
      },
      schema: {
        summary: "Create or update a program's group chat (R1)",
        description:
          '201 when created, 200 when it existed (settings updated, practitioners added). ' +
          '`locked: true` ends the program: only the owner posts from then on (G6).',
        params: ProgramParams,
        body: ProgramChatBody,
        response: { 200: ProgramChat, 201: ProgramChat, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, programId } = request.params;
      const { practitionerIds, name, ownerId, ...settings } = request.body;
      const { chat, created } = await services.chat.upsertProgramChat({
        practiceId,
        programId,
        actor: actorOf(request),
        name,
        ownerId,
        practitionerIds: practitionerIds ?? [],
        ...settings,
      });
      if (!chat) throw new HuddleError('internal', 'The chat was not returned');
      return reply.code(created ? 201 : 200).send(presentProgramChat(chat));
    },
  );

  async function setEnrollment(
    request: FastifyRequest,
    params: { practiceId: string; programId: string; clientId: string },
    enrolled: boolean,
  ) {
    const { chat, changed } = await services.chat.setEnrollment({
      ...params,
      actor: actorOf(request),
      enrolled,
    });
    if (!chat) throw new HuddleError('internal', 'The chat was not returned');
    return { chatId: chat.id, enrolled, changed };
  }

  const enrollmentPath = '/v1/practices/:practiceId/programs/:programId/enrollments/:clientId';
  app.put(
    enrollmentPath,
    {
      config: { audit: { action: 'program.client.enrolled', targets: ['programId', 'clientId'] } },
      schema: {
        summary: "Enrol a client in a program's chat (R1)",
        description: 'Adds the client to the chat; enrolling again changes nothing (changed: false).',
        params: EnrollmentParams,
        response: { 200: Enrollment, ...problemResponses },
      },
    },
    (request) => setEnrollment(request, request.params, true),
  );

  app.delete(
    enrollmentPath,
    {
      config: { audit: { action: 'program.client.unenrolled', targets: ['programId', 'clientId'] } },
      schema: {
        summary: "Unenrol a client from a program's chat (R1)",
        description:
          'Removes the client; their messages stay, unlinked from them (P2 keep). Unenrolling someone ' +
          'not enrolled changes nothing (changed: false).',
        params: EnrollmentParams,
        response: { 200: Enrollment, ...problemResponses },
      },
    },
    (request) => setEnrollment(request, request.params, false),
  );
}
