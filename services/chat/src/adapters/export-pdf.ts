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
 * The fonts embedded in export PDFs, all from npm packages: DejaVu Sans for Latin, Greek,
 * Cyrillic, Arabic, Hebrew and more; Noto Sans SC for Chinese characters and Japanese kana;
 * Nanum Gothic (2 MB, every modern Hangul syllable) for Korean, which neither of the others
 * covers (Noto Sans KR would be 6 MB for the same names). pdfkit embeds only the glyphs used.
 */
export const exportFontFiles = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  cjk: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  hangul: require.resolve('@expo-google-fonts/nanum-gothic/400Regular/NanumGothic_400Regular.ttf'),
};

/** The names pdfkit knows the fonts by. */
export type ExportFontName = keyof typeof exportFontFiles;

/** Where a grapheme DejaVu lacks is looked for next, in this order (regular weight only). */
const FALLBACKS = ['cjk', 'hangul'] as const;

/** Each font's bytes for pdfkit, and its character map to ask whether it has a glyph. */
type Fonts = Record<ExportFontName, { data: Buffer; font: fontkit.Font }>;

let loaded: Fonts | undefined;

/** Read once per process: the CJK font alone is 10 MB. */
function fonts(): Fonts {
  if (!loaded) {
    const read = {} as Fonts;
    for (const name of Object.keys(exportFontFiles) as ExportFontName[]) {
      const data = readFileSync(exportFontFiles[name]);
      const opened = fontkit.create(data);
      read[name] = { data, font: 'fonts' in opened ? opened.fonts[0]! : opened };
    }
    loaded = read;
  }
  return loaded;
}

/** Joiners and variation selectors: no font draws them, so they never decide the font. */
const invisible = /^\p{Default_Ignorable_Code_Point}$/u;
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** The first font with a glyph for every visible code point of the grapheme, else the base font. */
function fontFor(grapheme: string, base: 'regular' | 'bold', available: Fonts): ExportFontName {
  const hasAll = (name: ExportFontName) =>
    [...grapheme].every(
      (char) => invisible.test(char) || available[name].font.hasGlyphForCodePoint(char.codePointAt(0)!),
    );
  if (hasAll(base)) return base;
  return FALLBACKS.find(hasAll) ?? base;
}

/** Letters of the scripts written right to left whose glyphs the fonts have (Arabic, Hebrew). */
const rightToLeft = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;
/** Letters and digits, and line breaks: a right-to-left stretch never spans two lines. */
const strong = /[\p{L}\p{N}\n\r\u2028\u2029]/u;

/**
 * Which graphemes belong to a right-to-left stretch: its letters, and the spaces and marks
 * between two of them (a simplified Unicode bidi for a left-to-right line: punctuation after
 * an Arabic name stays on the left-to-right side).
 */
function rightToLeftStretches(segments: string[]): boolean[] {
  const direction = segments.map((segment) =>
    rightToLeft.test(segment) ? 'rtl' : strong.test(segment) ? 'ltr' : undefined,
  );
  // The next strong direction after each grapheme, found in one backward pass.
  const next: Array<'rtl' | 'ltr' | undefined> = [];
  for (let index = segments.length - 1; index >= 0; index--)
    next[index] = direction[index + 1] ?? next[index + 1];
  let before: 'rtl' | 'ltr' | undefined;
  return segments.map((_, index) => {
    const own = direction[index];
    if (own) before = own;
    return own ? own === 'rtl' : before === 'rtl' && next[index] === 'rtl';
  });
}

/**
 * Splits text into runs of one font, a whole grapheme at a time (a letter stays in one font
 * with its accents): DejaVu where it has the glyphs, else Noto Sans SC, else Nanum Gothic.
 * A right-to-left stretch is a run of its own: fontkit, which lays each run out for pdfkit,
 * takes the script and so the direction and the joining forms (Arabic) from the run's text.
 */
export function fontRuns(
  text: string,
  base: 'regular' | 'bold',
): Array<{ font: ExportFontName; text: string }> {
  // Most text is ASCII, which DejaVu (both weights) covers: one run, no segmenting.
  if (/^\p{ASCII}*$/u.test(text)) return [{ font: base, text }];
  const available = fonts();
  const segments = Array.from(graphemes.segment(text), ({ segment }) => segment);
  const rtl = rightToLeftStretches(segments);
  const runs: Array<{ font: ExportFontName; text: string; rtl: boolean }> = [];
  segments.forEach((segment, index) => {
    const font = fontFor(segment, base, available);
    const last = runs.at(-1);
    if (last?.font === font && last.rtl === rtl[index]) last.text += segment;
    else runs.push({ font, text: segment, rtl: rtl[index]! });
  });
  return runs.flatMap(({ font, text, rtl }) =>
    rtl ? wordsRightToLeft(text).map((piece) => ({ font, text: piece })) : [{ font, text }],
  );
}

/**
 * pdfkit lays a run out word by word, so fontkit reverses each word of a right-to-left
 * stretch on its own: the words are given last first, each with the spaces between them as
 * a run of its own, so the stretch reads right to left as a whole.
 */
function wordsRightToLeft(text: string): string[] {
  return text
    .split(/(\s+)/)
    .filter((piece) => piece !== '')
    .reverse();
}

/** The printable PDF of an export: a title page part, participant changes, then every message. */
export function pdfExportWriter(sink: ByteSink): ExportDocumentWriter {
  const available = fonts();
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: false, info: { Title: 'Chat export' } });
  for (const [name, { data }] of Object.entries(available)) doc.registerFont(name, data);
  doc.on('data', (chunk: Buffer) => sink(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  const line = (text: string, options: { size?: number; weight?: 'regular' | 'bold'; gap?: number } = {}) => {
    const weight = options.weight ?? 'regular';
    const size = options.size ?? 10;
    const runs = fontRuns(text.length > 0 ? text : ' ', weight);
    // pdfkit sets each run below the line's top by its own font's ascender, and Noto Sans SC's
    // is taller than DejaVu's: every run takes DejaVu's, so all share one baseline.
    const { font } = available[weight];
    const baseline = -(font.ascent / font.unitsPerEm) * size;
    doc.fontSize(size);
    runs.forEach((run, index) => {
      doc.font(run.font).text(run.text, { continued: index < runs.length - 1, baseline });
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
