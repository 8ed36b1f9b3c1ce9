import { HuddleError, invalid } from '@huddle/errors';

export interface Attachment {
  id: string;
  practiceId: string;
  uploaderId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

/** What people share in a practice chat: pictures, documents, voice notes and short videos. */
export const ALLOWED_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'application/pdf',
  'text/plain',
  'text/csv',
  'audio/mpeg',
  'audio/mp4',
  'audio/aac',
  'audio/ogg',
  'video/mp4',
  'video/quicktime',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
] as const;

/** Checks an upload against the limits; returns a filename safe to echo back. */
export function validateUpload(
  input: { filename: string; contentType: string; size: number },
  maxBytes: number,
) {
  const contentType = input.contentType.split(';')[0]!.trim().toLowerCase();
  if (!(ALLOWED_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    throw new HuddleError(
      'unsupported_media_type',
      `Files of type ${contentType || 'unknown'} cannot be attached`,
      {
        allowed: ALLOWED_CONTENT_TYPES,
      },
    );
  }
  if (input.size === 0) throw invalid('The file is empty');
  if (input.size > maxBytes) {
    throw new HuddleError('payload_too_large', `Attachments are at most ${maxBytes} bytes`, { maxBytes });
  }
  // The name is shown to others and used in a download header: no paths, no control characters.
  const filename = [...input.filename.replace(/^.*[\\/]/, '')]
    .filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f && char !== '"')
    .join('')
    .trim()
    .slice(0, 200);
  return { filename: filename || 'attachment', contentType };
}
