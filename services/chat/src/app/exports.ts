import { createHash, randomUUID } from 'node:crypto';
import type { PersonData } from '@huddle/contracts';
import { forbidden, HuddleError, invalid, notFound } from '@huddle/errors';
import type { Logger } from '@huddle/logging';
import {
  type ChatExport,
  EXPORT_CONTENT_TYPES,
  EXPORT_FORMATS,
  EXPORT_LIFETIME_MS,
  type ExportAttachment,
  type ExportCounts,
  type ExportDocumentWriter,
  type ExportFile,
  type ExportFormat,
  type ExportMessage,
  type ExportPerson,
  jsonExportWriter,
} from '../domain/export';
import { BackgroundLoop } from './background-loop';
import type {
  ExportRepository,
  ExportSource,
  ExportSourceAttachment,
  ExportSourceMessage,
  PdfWriterFactory,
} from './export-ports';
import type { ChatRepository, Directory, Reader } from './ports';

/**
 * C2: the practice owner — a practitioner whose team role is `owner`, in the chat or not —
 * exports one chat of their practice. Everyone else of the practice is refused (403) whatever
 * the chat; a chat or export of another practice does not exist (404).
 */
export class Exports {
  constructor(
    private readonly db: Reader,
    private readonly store: { exports: ExportRepository; chats: Pick<ChatRepository, 'get'> },
    private readonly directory: Directory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Queues an export of the chat; the export worker builds it. */
  async start(request: { practiceId: string; chatId: string; requesterId: string }): Promise<ChatExport> {
    await this.requirePracticeOwner(request.practiceId, request.requesterId);
    const chat = await this.store.chats.get(this.db, request.chatId);
    if (!chat || chat.practiceId !== request.practiceId) throw notFound('Chat');
    const createdAt = this.now();
    const record: ChatExport = {
      id: randomUUID(),
      practiceId: request.practiceId,
      chatId: chat.id,
      requestedBy: request.requesterId,
      status: 'pending',
      messagesDone: 0,
      messagesTotal: null,
      counts: null,
      failure: null,
      createdAt: createdAt.toISOString(),
      startedAt: null,
      completedAt: null,
      expiresAt: new Date(createdAt.getTime() + EXPORT_LIFETIME_MS).toISOString(),
      files: [],
    };
    await this.store.exports.insert(this.db, record);
    return record;
  }

  /** An export's progress, and its files once ready. */
  async get(request: { practiceId: string; exportId: string; viewerId: string }): Promise<ChatExport> {
    await this.requirePracticeOwner(request.practiceId, request.viewerId);
    const found = await this.store.exports.find(this.db, request.practiceId, request.exportId);
    if (!found) throw notFound('Export');
    return found;
  }

  /** A ready export's file: what it is and how many parts to read. */
  async file(request: {
    practiceId: string;
    exportId: string;
    viewerId: string;
    format: string;
  }): Promise<{ file: ExportFile; parts: number }> {
    const format = parseFormat(request.format);
    const found = await this.get(request);
    if (found.status === 'expired') {
      throw new HuddleError(
        'export_expired',
        'This export’s files were deleted seven days after it was requested',
        {
          expiresAt: found.expiresAt,
        },
      );
    }
    const file = found.files.find((candidate) => candidate.format === format);
    const parts = file && (await this.store.exports.fileParts(this.db, found.id, format));
    if (found.status !== 'ready' || !file || parts === undefined) {
      throw new HuddleError(
        'export_not_ready',
        `The export is ${found.status}; its files are served once ready`,
        {
          status: found.status,
        },
      );
    }
    return { file, parts };
  }

  /** One stored part of a ready export's file, in order from 0. */
  async readPart(request: {
    practiceId: string;
    exportId: string;
    viewerId: string;
    format: string;
    part: number;
  }): Promise<{ file: ExportFile; parts: number; data: Buffer }> {
    const { file, parts } = await this.file(request);
    if (!Number.isInteger(request.part) || request.part < 0 || request.part >= parts) {
      throw invalid(`part must be 0 to ${parts - 1}`);
    }
    const data = await this.store.exports.readPart(
      this.db,
      request.exportId,
      parseFormat(request.format),
      request.part,
    );
    if (!data) throw notFound('Export file');
    return { file, parts, data };
  }

  private async requirePracticeOwner(practiceId: string, personId: string): Promise<void> {
    const [person] = await this.directory.people(practiceId, [personId]);
    if (person?.kind !== 'practitioner' || person.teamRole !== 'owner') {
      throw forbidden('Only the practice owner exports chats');
    }
  }
}

function parseFormat(format: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw invalid(`format must be one of ${EXPORT_FORMATS.join(', ')}`);
  }
  return format as ExportFormat;
}

export interface ExportWorkerConfig {
  pollMs: number;
  /** How long a claim keeps other workers off an export; renewed after every batch. */
  leaseMs: number;
  /** Messages read and written per batch: bounds memory and each query's time. */
  batchSize: number;
  /** Attempts before an export that keeps dying (its worker crashed) is failed. */
  maxAttempts: number;
}

/** Stored parts of an export file are at most this large. */
export const PART_BYTES = 1024 * 1024;

/**
 * Collects a writer's bytes, hashes them, and stores them in parts of at most PART_BYTES,
 * written when `flush` is awaited (after each batch), so memory holds about one batch.
 */
class PartWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private parts = 0;
  private size = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly save: (part: number, data: Buffer) => Promise<void>,
    readonly format: ExportFormat,
  ) {}

  readonly sink = (chunk: Buffer) => {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
  };

  /** Writes every full part, or everything when `all`. */
  async flush(all = false): Promise<void> {
    while (this.pendingBytes >= PART_BYTES || (all && this.pendingBytes > 0)) {
      const joined = Buffer.concat(this.pending);
      const part = joined.subarray(0, PART_BYTES);
      const rest = joined.subarray(part.byteLength);
      await this.save(this.parts, Buffer.from(part));
      this.parts += 1;
      this.pending = rest.byteLength > 0 ? [rest] : [];
      this.pendingBytes = rest.byteLength;
    }
  }

  file(): ExportFile & { parts: number } {
    return {
      format: this.format,
      contentType: EXPORT_CONTENT_TYPES[this.format],
      size: this.size,
      sha256: this.hash.digest('hex'),
      parts: this.parts,
    };
  }
}

/** Lets a stream writer (pdfkit) hand over what it produced for the batch. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * C2: builds queued exports in the background, one at a time per replica, a bounded batch of
 * messages per query (no transaction spans the export, so no lock is held on a busy chat).
 * Claims are leases (FOR UPDATE SKIP LOCKED, then `claimed_until`), renewed per batch: an
 * export whose worker died is claimed again when its lease lapses and built from the start
 * (pdfkit holds the PDF's cross-reference table and font subsets in memory until the end, so
 * the stored parts are no state to resume from; README "Exports"), and failed
 * (`export_interrupted`) after `maxAttempts`. Each poll also deletes expired files.
 */
export class ExportWorker {
  private readonly loop: BackgroundLoop<boolean>;

  constructor(
    private readonly db: Reader,
    private readonly store: { exports: ExportRepository; chats: Pick<ChatRepository, 'get'> },
    private readonly source: ExportSource,
    private readonly directory: Directory,
    private readonly pdfWriter: PdfWriterFactory,
    private readonly config: ExportWorkerConfig,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
  ) {
    this.loop = new BackgroundLoop<boolean>(
      'exports',
      () => this.runOnce(),
      (worked) => (worked ? 0 : config.pollMs),
      logger,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; an export being built stops at its next batch and is claimed again later. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Deletes expired files, then builds one queued export; true when there was work. */
  async runOnce(): Promise<boolean> {
    const expired = await this.store.exports.expireDue(this.db, 10);
    const claimed = await this.store.exports.claimNext(this.db, this.config.leaseMs);
    if (!claimed) return expired > 0;
    const { export: record, attempts } = claimed;
    const log = { exportId: record.id, chatId: record.chatId };
    await this.store.exports.discardFiles(this.db, record.id);
    if (attempts > this.config.maxAttempts) {
      await this.store.exports.fail(this.db, record.id, {
        code: 'export_interrupted',
        message: `The export was interrupted ${attempts - 1} times and was given up`,
      });
      this.logger.warn(log, 'export: given up after repeated interruptions');
      return true;
    }
    try {
      const outcome = await this.build(record);
      if (outcome === 'lost') this.logger.warn(log, 'export: claim lost; another worker builds it');
      else this.logger.info({ ...log, ...outcome }, 'export: ready');
    } catch (error) {
      if (this.loop.stopping) return true;
      this.logger.warn({ ...log, err: error }, 'export: failed');
      await this.store.exports.fail(this.db, record.id, {
        code: 'export_failed',
        message: 'The export could not be built; request a new one',
      });
    }
    return true;
  }

  private async build(record: ChatExport): Promise<ExportCounts | 'lost'> {
    const chat = await this.store.chats.get(this.db, record.chatId);
    if (!chat) throw notFound('Chat');
    const { upToSeq, messages: total } = await this.source.extent(this.db, chat.id);
    if (!(await this.renew(record.id, { messagesDone: 0, messagesTotal: total, upToSeq }))) return 'lost';
    const people = new PeopleNames(this.directory, record.practiceId);
    const changes = await this.source.participantChanges(this.db, chat.id);
    await people.load([
      record.requestedBy,
      chat.ownerId,
      ...changes.flatMap((change) => [change.personId, change.changedBy ?? '']),
    ]);
    const save = (format: ExportFormat) => (part: number, data: Buffer) =>
      this.store.exports.putPart(this.db, record.id, format, part, data);
    const outputs = [new PartWriter(save('json'), 'json'), new PartWriter(save('pdf'), 'pdf')] as const;
    const writers: ExportDocumentWriter[] = [
      jsonExportWriter(outputs[0].sink),
      this.pdfWriter(outputs[1].sink),
    ];
    const head = {
      exportId: record.id,
      requestedBy: people.of(record.requestedBy),
      generatedAt: new Date().toISOString(),
      upToSeq,
      chat: {
        id: chat.id,
        practiceId: chat.practiceId,
        kind: chat.kind,
        name: chat.name,
        style: chat.style,
        owner: people.of(chat.ownerId),
        programId: chat.programId,
        createdAt: chat.createdAt,
      },
      participantChanges: changes.map((change) => ({
        change: change.change,
        person: people.of(change.personId),
        role: change.role,
        via: change.via,
        by: change.changedBy ? people.of(change.changedBy) : null,
        messages: change.messages,
        at: change.at,
      })),
    };
    for (const writer of writers) writer.begin(head);
    const counts: ExportCounts = {
      messages: 0,
      revisions: 0,
      attachments: 0,
      participantChanges: changes.length,
    };
    const attachmentIds = new Set<string>();
    let afterSeq = 0;
    for (;;) {
      if (this.loop.stopping) throw new Error('stopping');
      const batch = await this.source.messages(this.db, chat.id, {
        afterSeq,
        upToSeq,
        limit: this.config.batchSize,
      });
      if (batch.length === 0) break;
      const named = await this.present(batch, people);
      for (const message of named) {
        for (const writer of writers) writer.message(message);
        counts.messages += 1;
        counts.revisions += message.revisions.length;
        for (const attachment of [
          ...message.attachments,
          ...message.revisions.flatMap((r) => r.attachments),
        ]) {
          attachmentIds.add(attachment.id);
        }
      }
      afterSeq = batch.at(-1)!.seq;
      await settle();
      for (const output of outputs) await output.flush();
      if (!(await this.renew(record.id, { messagesDone: counts.messages }))) return 'lost';
    }
    counts.attachments = attachmentIds.size;
    for (const writer of writers) await writer.end(counts);
    for (const output of outputs) await output.flush(true);
    await this.store.exports.finish(
      this.db,
      record.id,
      outputs.map((output) => output.file()),
      counts,
    );
    return counts;
  }

  private renew(id: string, progress: { messagesDone: number; messagesTotal?: number; upToSeq?: number }) {
    return this.store.exports.progress(this.db, id, this.config.leaseMs, progress);
  }

  /** A batch with names and attachment details in place of ids. */
  private async present(batch: ExportSourceMessage[], people: PeopleNames): Promise<ExportMessage[]> {
    const fileIds = batch.flatMap((message) => [
      ...message.attachmentIds,
      ...message.revisions.flatMap((revision) => revision.attachmentIds),
    ]);
    const files = new Map(
      (await this.source.attachments(this.db, [...new Set(fileIds)])).map((file) => [file.id, file]),
    );
    await people.load(
      batch.flatMap((message) => [
        message.authorId ?? '',
        ...message.mentions,
        message.originalAuthor?.authorId ?? '',
        message.originalAuthor?.unlinkedBy ?? '',
      ]),
    );
    const attachmentsOf = (ids: string[]) => ids.flatMap((id) => attachmentOf(files.get(id)));
    return batch.map((message) => ({
      id: message.id,
      seq: message.seq,
      parentId: message.parentId,
      parentSeq: message.parentSeq,
      author: message.authorId ? people.of(message.authorId) : null,
      originalAuthor: message.originalAuthor && {
        person: people.of(message.originalAuthor.authorId),
        unlinkedAt: message.originalAuthor.unlinkedAt,
        unlinkedBy: people.of(message.originalAuthor.unlinkedBy),
      },
      body: message.deletedAt ? null : message.body,
      mentions: message.mentions.map((id) => people.of(id)),
      attachments: attachmentsOf(message.attachmentIds),
      pinnedAt: message.pinnedAt,
      editedAt: message.editedAt,
      deletedAt: message.deletedAt,
      createdAt: message.createdAt,
      revisions: message.revisions.map((revision) => ({
        number: revision.number,
        body: revision.body,
        attachments: attachmentsOf(revision.attachmentIds),
        replacedAt: revision.replacedAt,
      })),
    }));
  }
}

const attachmentOf = (file: ExportSourceAttachment | undefined): ExportAttachment[] =>
  file
    ? [
        {
          id: file.id,
          filename: file.filename,
          contentType: file.contentType,
          size: file.size,
          sha256: file.sha256,
        },
      ]
    : [];

/** Real names of the people an export names, asked of the directory once per person. */
class PeopleNames {
  private readonly known = new Map<string, PersonData | null>();

  constructor(
    private readonly directory: Directory,
    private readonly practiceId: string,
  ) {}

  async load(ids: string[]): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => id !== '' && !this.known.has(id));
    if (wanted.length === 0) return;
    for (const person of await this.directory.people(this.practiceId, wanted))
      this.known.set(person.id, person);
    for (const id of wanted) if (!this.known.has(id)) this.known.set(id, null);
  }

  of(id: string): ExportPerson {
    const person = this.known.get(id);
    return person
      ? { id, name: `${person.firstName} ${person.lastName}`.trim(), kind: person.kind }
      : { id, name: null, kind: null };
  }
}
