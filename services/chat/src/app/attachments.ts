import { createHash, randomUUID } from 'node:crypto';
import type { Executor, Transaction } from '@huddle/db';
import { invalid, notFound } from '@huddle/errors';
import { type Attachment, validateUpload } from '../domain/attachment';
import type { ChatStore, FileStore, Reader } from './ports';

/** Files people attach to messages: stored behind a FileStore, reachable as A1 says. */
export class Attachments {
  constructor(
    private readonly db: Reader,
    private readonly store: Pick<ChatStore, 'attachments'>,
    private readonly files: FileStore,
    private readonly maxBytes: number,
  ) {}

  async upload(request: {
    practiceId: string;
    uploaderId: string;
    filename: string;
    contentType: string;
    data: Uint8Array;
  }): Promise<Attachment> {
    const { filename, contentType } = validateUpload(
      { ...request, size: request.data.byteLength },
      this.maxBytes,
    );
    const attachment: Attachment = {
      id: randomUUID(),
      practiceId: request.practiceId,
      uploaderId: request.uploaderId,
      filename,
      contentType,
      size: request.data.byteLength,
      sha256: createHash('sha256').update(request.data).digest('hex'),
      createdAt: new Date().toISOString(),
    };
    // Bytes first: a row never points at a file that is not there.
    await this.files.put(attachment.id, request.data);
    await this.store.attachments.insert(this.db, attachment);
    return attachment;
  }

  /**
   * A1: its uploader until a message uses it; after that, whoever takes part in a chat
   * where a live message references it, and team members there while a revision of a
   * live message does (G8). Once no live message or revision names it, nobody: not
   * even its uploader. Anyone else: 404.
   */
  async download(request: { practiceId: string; attachmentId: string; viewerId: string }) {
    const attachment = await this.store.attachments.get(this.db, request.practiceId, request.attachmentId);
    if (!attachment) throw notFound('Attachment');
    const allowed = (await this.store.attachments.wasUsed(this.db, attachment.id))
      ? await this.store.attachments.readableBy(this.db, attachment.id, request.viewerId)
      : attachment.uploaderId === request.viewerId;
    if (!allowed) throw notFound('Attachment');
    return { attachment, data: await this.files.get(attachment.id) };
  }

  /** A message may carry only files its author uploaded in the chat's practice. */
  async assertUsable(practiceId: string, authorId: string, attachmentIds: string[]): Promise<void> {
    if (attachmentIds.length === 0) return;
    const found = await this.store.attachments.getMany(this.db, attachmentIds);
    const unusable = attachmentIds.filter((id) => {
      const attachment = found.get(id);
      return !attachment || attachment.practiceId !== practiceId || attachment.uploaderId !== authorId;
    });
    if (unusable.length > 0) throw invalid('Attach files you uploaded', { attachmentIds: unusable });
  }

  reference(tx: Transaction, chatId: string, messageId: string, attachmentIds: string[]): Promise<void> {
    return this.store.attachments.reference(tx, chatId, messageId, attachmentIds);
  }

  /** Metadata of the files of many messages, for presenting them; inside a transaction, on it. */
  describe(attachmentIds: string[], db: Executor = this.db): Promise<Map<string, Attachment>> {
    return this.store.attachments.getMany(db, [...new Set(attachmentIds)]);
  }
}
