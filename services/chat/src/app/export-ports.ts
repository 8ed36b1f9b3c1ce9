import type { Executor } from '@huddle/db';
import type {
  ByteSink,
  ChatExport,
  ExportCounts,
  ExportDocumentWriter,
  ExportFile,
  ExportFormat,
} from '../domain/export';
import type { Reader } from './ports';

/** C2: a message as read for an export, with ids still to be named. */
export interface ExportSourceMessage {
  id: string;
  seq: number;
  parentId: string | null;
  parentSeq: number | null;
  authorId: string | null;
  body: string;
  mentions: string[];
  attachmentIds: string[];
  pinnedAt: string | null;
  editedAt: string | null;
  deletedAt: string | null;
  createdAt: string;
  revisions: Array<{ number: number; body: string; attachmentIds: string[]; replacedAt: string }>;
  /** P2: from the authorship audit, when a removal unlinked it. */
  originalAuthor: { authorId: string; unlinkedAt: string; unlinkedBy: string } | null;
}

export interface ExportSourceChange {
  change: 'added' | 'removed';
  personId: string;
  role: 'owner' | 'team' | 'client' | null;
  via: string | null;
  changedBy: string | null;
  messages: 'keep' | 'delete' | null;
  at: string;
}

export interface ExportSourceAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** A claimed export, for the worker. */
export interface ClaimedExport {
  export: ChatExport;
  attempts: number;
}

/** C2: exports and their files, in the chat service's database. */
export interface ExportRepository {
  insert(db: Executor, record: ChatExport): Promise<void>;
  find(db: Executor, practiceId: string, id: string): Promise<ChatExport | undefined>;
  /** One export to build: pending, or running with a lapsed lease (its worker died). */
  claimNext(db: Reader, leaseMs: number): Promise<ClaimedExport | undefined>;
  /** Extends the lease and records progress; false when the claim was lost. */
  progress(
    db: Executor,
    id: string,
    leaseMs: number,
    progress: { messagesDone: number; messagesTotal?: number; upToSeq?: number },
  ): Promise<boolean>;
  /** Drops whatever an earlier, interrupted attempt wrote. */
  discardFiles(db: Executor, id: string): Promise<void>;
  putPart(db: Executor, id: string, format: ExportFormat, part: number, data: Buffer): Promise<void>;
  finish(
    db: Executor,
    id: string,
    files: Array<ExportFile & { parts: number }>,
    counts: ExportCounts,
  ): Promise<void>;
  fail(db: Executor, id: string, failure: { code: string; message: string }): Promise<void>;
  /** Deletes the files of up to `limit` exports past their expiry; returns how many. */
  expireDue(db: Executor, limit: number): Promise<number>;
  /** How many parts a finished file has (undefined when it has none). */
  fileParts(db: Executor, id: string, format: ExportFormat): Promise<number | undefined>;
  readPart(db: Executor, id: string, format: ExportFormat, part: number): Promise<Buffer | undefined>;
}

/** C2: what an export reads of a chat, a bounded batch at a time. */
export interface ExportSource {
  /** The newest seq and how many messages (tombstones included) are at or below it. */
  extent(db: Executor, chatId: string): Promise<{ upToSeq: number; messages: number }>;
  participantChanges(db: Executor, chatId: string): Promise<ExportSourceChange[]>;
  /** Messages after `afterSeq` up to `upToSeq`, in seq order, with their revisions and original authors. */
  messages(
    db: Executor,
    chatId: string,
    range: { afterSeq: number; upToSeq: number; limit: number },
  ): Promise<ExportSourceMessage[]>;
  attachments(db: Executor, ids: string[]): Promise<ExportSourceAttachment[]>;
}

/** Makes the PDF writer (an adapter: it reads fonts from disk). */
export type PdfWriterFactory = (sink: ByteSink) => ExportDocumentWriter;
