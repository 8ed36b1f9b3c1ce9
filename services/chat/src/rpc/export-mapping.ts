import type { chatV1 } from '@huddle/contracts';
import type { ChatExport } from '../domain/export';

const date = (iso: string | null) => (iso ? new Date(iso) : undefined);

/** C2: an export as the gateway reads it. */
export const exportToProto = (record: ChatExport): chatV1.ChatExport => ({
  id: record.id,
  chatId: record.chatId,
  requestedBy: record.requestedBy,
  status: record.status,
  messagesDone: record.messagesDone,
  messagesTotal: record.messagesTotal ?? undefined,
  counts: record.counts ?? undefined,
  failureCode: record.failure?.code,
  failureMessage: record.failure?.message,
  createdAt: new Date(record.createdAt),
  startedAt: date(record.startedAt),
  completedAt: date(record.completedAt),
  expiresAt: new Date(record.expiresAt),
  files: record.files,
});
