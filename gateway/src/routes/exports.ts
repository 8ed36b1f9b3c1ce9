import { Readable } from 'node:stream';
import type { chatV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type, { type Static } from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Id, Nullable, problemResponses, StringEnum } from '../schemas';
import type { RouteDeps } from './types';

const ExportFormat = StringEnum(['json', 'pdf']);

const ExportFile = Type.Object({
  format: ExportFormat,
  contentType: Type.String(),
  size: Type.Integer({ description: 'Bytes' }),
  sha256: Type.String({ description: 'Hex SHA-256 of the file, to check a copy' }),
  url: Type.String({ description: 'Where to download it (GET, the practice owner’s token)' }),
});

/** C2: an export of one chat, its progress, and its files once ready. */
export const ChatExport = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  requestedBy: Type.String({ description: 'The practice owner who asked for it' }),
  status: StringEnum(['pending', 'running', 'ready', 'failed', 'expired']),
  progress: Type.Object({
    messagesDone: Type.Integer(),
    messagesTotal: Nullable(Type.Integer({ description: 'Known once the export started' })),
  }),
  counts: Nullable(
    Type.Object({
      messages: Type.Integer(),
      revisions: Type.Integer(),
      attachments: Type.Integer(),
      participantChanges: Type.Integer(),
    }),
  ),
  failure: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  expiresAt: Type.String({ format: 'date-time', description: 'Seven days after it was requested' }),
  files: Type.Array(ExportFile, { description: 'The JSON and the PDF, once ready' }),
});

const time = (date: Date | undefined) => date?.toISOString() ?? null;

function presentExport(record: chatV1.ChatExport | undefined): Static<typeof ChatExport> {
  if (!record) throw new HuddleError('internal', 'The export was not returned');
  return {
    id: record.id,
    chatId: record.chatId,
    requestedBy: record.requestedBy,
    status: record.status as Static<typeof ChatExport>['status'],
    progress: { messagesDone: record.messagesDone, messagesTotal: record.messagesTotal ?? null },
    counts: record.counts ?? null,
    failure: record.failureCode ? { code: record.failureCode, message: record.failureMessage ?? '' } : null,
    createdAt: time(record.createdAt) ?? '',
    startedAt: time(record.startedAt),
    completedAt: time(record.completedAt),
    expiresAt: time(record.expiresAt) ?? '',
    files: record.files.map((file) => ({
      format: file.format as 'json' | 'pdf',
      contentType: file.contentType,
      size: file.size,
      sha256: file.sha256,
      url: `/v1/exports/${record.id}/files/${file.format}`,
    })),
  };
}

const owners =
  'The practice owner only (a practitioner whose team role is owner; they need not be in the chat): ' +
  'anyone else of the practice gets 403 forbidden, and chats and exports of another practice do not exist (404).';

/** C2: a practice owner exports a chat as JSON and PDF, built in the background. */
export const exportRoutes = routeGroup({ tags: ['exports'], auth: 'person' }, exports);

function exports(app: App, { services }: RouteDeps) {
  app.post(
    '/v1/chats/:chatId/exports',
    {
      schema: {
        summary: 'Export a chat’s full history as JSON and PDF (C2)',
        description:
          `${owners} Answers 202 at once; poll GET /v1/exports/{exportId} until \`ready\`. Every message ` +
          'with its revisions, tombstones, threads, attachments (name, size, SHA-256), participant changes ' +
          'and the original authors of unlinked messages; the files are deleted after seven days.',
        params: Type.Object({ chatId: Id }),
        response: { 202: ChatExport, ...problemResponses },
      },
      // Writes a whole chat's history as JSON and PDF in the background (limits/cost.ts).
      config: { cost: 20, audit: { action: 'chat.exported' } },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { export: record } = await services.chat.startChatExport({
        practiceId,
        chatId: request.params.chatId,
        requesterId: personId,
      });
      const presented = presentExport(record);
      return reply.code(202).header('location', `/v1/exports/${presented.id}`).send(presented);
    },
  );

  app.get(
    '/v1/exports/:exportId',
    {
      schema: {
        summary: 'An export’s progress, and its files once ready (C2)',
        description: `${owners} \`expired\` once its files were deleted.`,
        params: Type.Object({ exportId: Id }),
        response: { 200: ChatExport, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { export: record } = await services.chat.getChatExport({
        practiceId,
        exportId: request.params.exportId,
        viewerId: personId,
      });
      return presentExport(record);
    },
  );

  app.get(
    '/v1/exports/:exportId/files/:format',
    {
      schema: {
        summary: 'Download an export’s JSON or PDF (C2)',
        description:
          `${owners} 409 export_not_ready until the export is ready; 410 export_expired once its files ` +
          'were deleted. The JSON follows services/chat/docs/chat-export.schema.json.',
        params: Type.Object({ exportId: Id, format: ExportFormat }),
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The file' }),
          ...problemResponses,
        },
      },
      // A whole chat's history in one file (limits/cost.ts).
      config: {
        cost: 4,
        audit: {
          action: 'export.downloaded',
          targets: ['exportId'],
          details: (request) => {
            const { format } = request.params as { format?: string };
            return { format: format === 'json' || format === 'pdf' ? format : undefined };
          },
        },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const read = (part: number) =>
        services.chat.readChatExportFile({
          practiceId,
          exportId: request.params.exportId,
          viewerId: personId,
          format: request.params.format,
          part,
        });
      // The first part answers who may read it and what it is before any byte is sent.
      const first = await read(0);
      if (!first.file) throw new HuddleError('internal', 'The export file was not returned');
      const rest = async function* () {
        yield first.data;
        for (let part = 1; part < first.parts; part++) yield (await read(part)).data;
      };
      return reply
        .header('content-type', first.file.contentType)
        .header('content-length', first.file.size)
        .header(
          'content-disposition',
          `attachment; filename="huddle-export-${request.params.exportId}.${first.file.format}"`,
        )
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(Readable.from(rest()));
    },
  );
}
