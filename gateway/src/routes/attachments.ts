import multipart from '@fastify/multipart';
import { HuddleError, invalid, notFound } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Attachment, Id, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

/**
 * `Content-Disposition` for a download. The chat service already strips paths,
 * quotes and control characters from filenames; the plain `filename` keeps to
 * printable ASCII (a header is Latin-1 at best) and `filename*` carries the
 * real name (RFC 6266).
 */
export function contentDisposition(filename: string): string {
  const ascii = [...filename]
    .map((char) => (char >= ' ' && char <= '~' && char !== '"' && char !== '\\' ? char : '_'))
    .join('');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii || 'attachment'}"; filename*=UTF-8''${encoded}`;
}

const multipartErrors: Record<string, () => HuddleError> = {
  FST_INVALID_MULTIPART_CONTENT_TYPE: () =>
    new HuddleError('unsupported_media_type', 'Upload the file as multipart/form-data'),
  FST_PARTS_LIMIT: () => invalid('Send exactly one part, the file field'),
  FST_FILES_LIMIT: () => invalid('Send exactly one file'),
  FST_FIELDS_LIMIT: () => invalid('Send the file field only'),
};

/** POST /v1/attachments (multipart, one `file` part) and GET /v1/attachments/{id}. */
export const attachmentRoutes = routeGroup({ tags: ['attachments'], auth: 'person' }, attachments);

async function attachments(
  app: App,
  { services, attachments: options }: RouteDeps & { attachments: { maxBytes: number } },
) {
  // Multipart parsing only where files are uploaded; everywhere else the API speaks JSON.
  await app.register(async (uploads: App) => {
    await uploads.register(multipart, {
      limits: { files: 1, fields: 0, parts: 1, fileSize: options.maxBytes, headerPairs: 20 },
    });

    uploads.post(
      '/v1/attachments',
      {
        schema: {
          summary: 'Upload a file to attach to messages',
          description:
            `multipart/form-data with one part named \`file\`, at most ${options.maxBytes} bytes. ` +
            'Only its uploader can use or download it until a message references it.',
          consumes: ['multipart/form-data'],
          response: { 201: Attachment, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { practiceId, personId } = personOf(request);
        let upload: { filename: string; contentType: string; data: Buffer } | undefined;
        try {
          for await (const part of request.parts()) {
            if (part.type !== 'file' || part.fieldname !== 'file') {
              throw invalid('Send the file in a part named file');
            }
            upload = { filename: part.filename, contentType: part.mimetype, data: await part.toBuffer() };
          }
        } catch (error) {
          // The parser stopped reading the body part way: what is left of it would be read as the next
          // request on this keep-alive connection, which would hang. The connection ends with this answer.
          reply.header('connection', 'close');
          const code = (error as { code?: string }).code;
          if (code === 'FST_REQ_FILE_TOO_LARGE') {
            throw new HuddleError('payload_too_large', `Attachments are at most ${options.maxBytes} bytes`, {
              maxBytes: options.maxBytes,
            });
          }
          if (error instanceof HuddleError) throw error;
          const mapped = code ? multipartErrors[code] : undefined;
          // Everything else the multipart parser raises (no boundary, a wrong one, a body cut short)
          // is about the body the caller sent.
          throw mapped ? mapped() : invalid('The body is not valid multipart/form-data');
        }
        if (!upload) throw invalid('Send the file in a part named file');
        const { attachment } = await services.chat.uploadAttachment({
          practiceId,
          uploaderId: personId,
          ...upload,
        });
        if (!attachment) throw new HuddleError('internal', 'The attachment was not returned');
        return reply.code(201).send({
          id: attachment.id,
          filename: attachment.filename,
          contentType: attachment.contentType,
          size: attachment.size,
          createdAt: attachment.createdAt?.toISOString() ?? null,
        });
      },
    );
  });

  app.get(
    '/v1/attachments/:attachmentId',
    {
      // Streams a file of up to ATTACHMENT_MAX_BYTES (limits/cost.ts).
      config: { cost: 4, audit: { action: 'attachment.downloaded', targets: ['attachmentId'] } },
      schema: {
        summary: 'Download a file',
        description:
          'For participants of a chat where a live message references it, team members there also while ' +
          'a revision of a live message does (G8), and its uploader before any message uses it (A1); ' +
          'anyone else gets 404.',
        params: Type.Object({ attachmentId: Id }),
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The file' }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { attachment, data } = await services.chat.getAttachment({
        practiceId,
        attachmentId: request.params.attachmentId,
        viewerId: personId,
      });
      if (!attachment) throw notFound('Attachment');
      return reply
        .header('content-type', attachment.contentType)
        .header('content-length', data.byteLength)
        .header('content-disposition', contentDisposition(attachment.filename))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(data);
    },
  );
}
