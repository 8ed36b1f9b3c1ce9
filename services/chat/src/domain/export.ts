/**
 * C2: a practice owner's export of one chat, for records requests: its status while the export
 * worker builds it, and the document it holds (the JSON writer is here; the PDF one, which needs
 * fonts from disk, is an adapter). Pure: no I/O.
 */

export const EXPORT_FORMATS = ['json', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json',
  pdf: 'application/pdf',
};

/** How long an export's files are kept after it was requested. */
export const EXPORT_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Version of the JSON document's shape (services/chat/docs/chat-export.schema.json); raised on a breaking change. */
export const EXPORT_SCHEMA_VERSION = 1;

export type ExportStatus = 'pending' | 'running' | 'ready' | 'failed' | 'expired';

export interface ExportFile {
  format: ExportFormat;
  contentType: string;
  size: number;
  sha256: string;
}

export interface ExportCounts {
  messages: number;
  revisions: number;
  attachments: number;
  participantChanges: number;
}

export interface ChatExport {
  id: string;
  practiceId: string;
  chatId: string;
  requestedBy: string;
  status: ExportStatus;
  /** Messages read so far, and how many the chat had when the export started (null before). */
  messagesDone: number;
  messagesTotal: number | null;
  counts: ExportCounts | null;
  failure: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  expiresAt: string;
  /** The finished files (status `ready` only). */
  files: ExportFile[];
}

/** A person as the practice owner sees them: their real name (null when the directory has none). */
export interface ExportPerson {
  id: string;
  name: string | null;
  kind: 'practitioner' | 'client' | null;
}

export interface ExportAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface ExportRevision {
  number: number;
  body: string;
  attachments: ExportAttachment[];
  replacedAt: string;
}

export interface ExportMessage {
  id: string;
  seq: number;
  /** A reply's post (G2), and its seq. */
  parentId: string | null;
  parentSeq: number | null;
  /** Null once unlinked (P2) or for a system message. */
  author: ExportPerson | null;
  /** P2: who wrote it, from the authorship audit, when a removal unlinked it. */
  originalAuthor: { person: ExportPerson; unlinkedAt: string; unlinkedBy: ExportPerson } | null;
  /** Null for a deleted message (a tombstone). */
  body: string | null;
  mentions: ExportPerson[];
  attachments: ExportAttachment[];
  pinnedAt: string | null;
  editedAt: string | null;
  deletedAt: string | null;
  createdAt: string;
  /** G8: earlier contents, oldest first. */
  revisions: ExportRevision[];
}

export interface ExportParticipantChange {
  change: 'added' | 'removed';
  person: ExportPerson;
  role: 'owner' | 'team' | 'client' | null;
  /** How an added participant came (`created`, `invited`, `default_sharing`, `program`, `conversion`). */
  via: string | null;
  /** Who made the change; null when not recorded (changes older than the record). */
  by: ExportPerson | null;
  /** P2/P3: on a removal, whether their messages were kept (unlinked) or deleted. */
  messages: 'keep' | 'delete' | null;
  at: string;
}

/** What the document says before its messages. */
export interface ExportHead {
  exportId: string;
  requestedBy: ExportPerson;
  generatedAt: string;
  upToSeq: number;
  chat: {
    id: string;
    practiceId: string;
    kind: 'direct' | 'group';
    name: string;
    style: 'feed' | 'direct';
    owner: ExportPerson;
    programId: string | null;
    createdAt: string;
  };
  participantChanges: ExportParticipantChange[];
}

/** Writes one export document a piece at a time, so a big chat is never held whole in memory. */
export interface ExportDocumentWriter {
  begin(head: ExportHead): void;
  message(message: ExportMessage): void;
  end(counts: ExportCounts): Promise<void>;
}

/** Where a writer's bytes go, in order. */
export type ByteSink = (chunk: Buffer) => void;

/**
 * The JSON document (schema: services/chat/docs/chat-export.schema.json). Messages are written as they come, in
 * seq order, inside one array; the counts close the document.
 */
export function jsonExportWriter(sink: ByteSink): ExportDocumentWriter {
  let first = true;
  const write = (text: string) => sink(Buffer.from(text, 'utf8'));
  return {
    begin(head) {
      const { exportId, requestedBy, generatedAt, upToSeq, chat, participantChanges } = head;
      const opening = JSON.stringify(
        {
          schemaVersion: EXPORT_SCHEMA_VERSION,
          export: { id: exportId, requestedBy, generatedAt, upToSeq },
          chat,
          participantChanges,
        },
        null,
        2,
      );
      // The object without its closing brace; messages follow as its last arrays.
      write(`${opening.slice(0, -2)},\n  "messages": [`);
    },
    message(message) {
      write(`${first ? '\n' : ',\n'}    ${JSON.stringify(message)}`);
      first = false;
    },
    async end(counts) {
      write(`${first ? '' : '\n  '}],\n  "counts": ${JSON.stringify(counts)}\n}\n`);
    },
  };
}

/** `Dana Smith`, or the id when the directory has no name for them. */
export const displayName = (person: ExportPerson | null): string =>
  person === null ? 'nobody recorded' : (person.name ?? `unknown person ${person.id}`);

/** A time as printed in the PDF: UTC, to the second. */
export const printedTime = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

/** One participant change as a line of the PDF. */
export function describeChange(change: ExportParticipantChange): string {
  const who = `${displayName(change.person)}${change.role ? ` (${change.role})` : ''}`;
  const by = change.by ? ` by ${displayName(change.by)}` : '';
  if (change.change === 'added') {
    return `${printedTime(change.at)}: ${who} added${by}${change.via ? `, ${change.via.replace('_', ' ')}` : ''}`;
  }
  const messages =
    change.messages === 'keep'
      ? '; their messages kept'
      : change.messages === 'delete'
        ? '; their messages deleted'
        : '';
  return `${printedTime(change.at)}: ${who} removed${by}${messages}`;
}

/** An attachment as a line of the PDF: name, size and hash, so a copy can be matched. */
export const describeAttachment = (attachment: ExportAttachment): string =>
  `${attachment.filename} (${attachment.contentType}, ${attachment.size} bytes, SHA-256 ${attachment.sha256})`;

/** The heading line of a message in the PDF. */
export function describeMessageHeading(message: ExportMessage): string {
  const parts = [`#${message.seq}`, printedTime(message.createdAt)];
  if (message.author) parts.push(displayName(message.author));
  else if (message.originalAuthor) parts.push('Former participant');
  if (message.parentSeq !== null) parts.push(`reply to #${message.parentSeq}`);
  if (message.pinnedAt) parts.push('pinned');
  return parts.join(' · ');
}

/** Notes under a message in the PDF: original author, edits, deletion. */
export function describeMessageNotes(message: ExportMessage): string[] {
  const notes: string[] = [];
  if (message.originalAuthor) {
    const { person, unlinkedAt, unlinkedBy } = message.originalAuthor;
    notes.push(
      `Original author: ${displayName(person)} (unlinked ${printedTime(unlinkedAt)} by ${displayName(unlinkedBy)})`,
    );
  }
  if (message.mentions.length > 0) notes.push(`Mentions: ${message.mentions.map(displayName).join(', ')}`);
  if (message.editedAt) notes.push(`Edited ${printedTime(message.editedAt)}`);
  if (message.deletedAt) notes.push(`Deleted ${printedTime(message.deletedAt)}`);
  return notes;
}
