import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import {
  type ByteSink,
  describeAttachment,
  describeChange,
  describeMessageHeading,
  describeMessageNotes,
  displayName,
  type ExportDocumentWriter,
  printedTime,
} from '../domain/export';

const require = createRequire(import.meta.url);

/**
 * The fonts embedded in export PDFs, both from npm packages: DejaVu Sans for Latin, Greek,
 * Cyrillic, Arabic, Hebrew and more; Noto Sans SC for Chinese (and Japanese kana, Korean is
 * not covered) where DejaVu has no glyph. pdfkit embeds only the glyphs used (a subset).
 */
export const exportFontFiles = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  cjk: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
};

interface Fonts {
  regular: Buffer;
  bold: Buffer;
  cjk: Buffer;
  /** Which code points DejaVu lacks: those are set in the CJK font. */
  dejavu: fontkit.Font;
}

let loaded: Fonts | undefined;

/** Read once per process: the CJK font alone is 10 MB. */
function fonts(): Fonts {
  if (!loaded) {
    const regular = readFileSync(exportFontFiles.regular);
    const opened = fontkit.create(regular);
    loaded = {
      regular,
      bold: readFileSync(exportFontFiles.bold),
      cjk: readFileSync(exportFontFiles.cjk),
      dejavu: 'fonts' in opened ? opened.fonts[0]! : opened,
    };
  }
  return loaded;
}

/** Splits text into runs of one font: DejaVu where it has the glyph, Noto Sans SC elsewhere. */
export function fontRuns(text: string, base: 'regular' | 'bold'): Array<{ font: string; text: string }> {
  const { dejavu } = fonts();
  const runs: Array<{ font: string; text: string }> = [];
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const font = code < 0x80 || dejavu.hasGlyphForCodePoint(code) ? base : 'cjk';
    const last = runs.at(-1);
    if (last?.font === font) last.text += char;
    else runs.push({ font, text: char });
  }
  return runs;
}

/** The printable PDF of an export: a title page part, participant changes, then every message. */
export function pdfExportWriter(sink: ByteSink): ExportDocumentWriter {
  const { regular, bold, cjk } = fonts();
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: false, info: { Title: 'Chat export' } });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  doc.registerFont('cjk', cjk);
  doc.on('data', (chunk: Buffer) => sink(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  const line = (text: string, options: { size?: number; weight?: 'regular' | 'bold'; gap?: number } = {}) => {
    const runs = fontRuns(text.length > 0 ? text : ' ', options.weight ?? 'regular');
    doc.fontSize(options.size ?? 10);
    runs.forEach((run, index) => {
      doc.font(run.font).text(run.text, { continued: index < runs.length - 1 });
    });
    if (options.gap) doc.moveDown(options.gap);
  };

  return {
    begin(head) {
      doc.info.Title = `Chat export: ${head.chat.name}`;
      line(`Chat export: ${head.chat.name}`, { size: 18, weight: 'bold', gap: 0.5 });
      line(
        `${head.chat.kind === 'group' ? 'Group chat' : 'Direct chat'}, ${head.chat.style} style, id ${head.chat.id}`,
      );
      line(`Chat owner: ${displayName(head.chat.owner)}; created ${printedTime(head.chat.createdAt)}`);
      line(`Exported by ${displayName(head.requestedBy)} at ${printedTime(head.generatedAt)}`);
      line(`Messages up to #${head.upToSeq}; export id ${head.exportId}`, { gap: 1 });
      line('Participant changes', { size: 14, weight: 'bold', gap: 0.3 });
      if (head.participantChanges.length === 0) line('None recorded.');
      for (const change of head.participantChanges) line(describeChange(change));
      doc.moveDown(1);
      line('Messages', { size: 14, weight: 'bold', gap: 0.3 });
    },
    message(message) {
      doc.moveDown(0.5);
      line(describeMessageHeading(message), { weight: 'bold' });
      line(message.body ?? '[deleted]');
      for (const attachment of message.attachments) line(`Attachment: ${describeAttachment(attachment)}`);
      for (const note of describeMessageNotes(message)) line(note, { size: 8 });
      for (const revision of message.revisions) {
        line(`Revision ${revision.number}, replaced ${printedTime(revision.replacedAt)}:`, { size: 8 });
        line(revision.body.length > 0 ? revision.body : '[no text]', { size: 9 });
        for (const attachment of revision.attachments) {
          line(`Attachment: ${describeAttachment(attachment)}`, { size: 8 });
        }
      }
    },
    async end(counts) {
      doc.moveDown(1);
      line(
        `${counts.messages} messages, ${counts.revisions} revisions, ${counts.attachments} attachments, ` +
          `${counts.participantChanges} participant changes.`,
        { size: 9 },
      );
      doc.end();
      await ended;
    },
  };
}
