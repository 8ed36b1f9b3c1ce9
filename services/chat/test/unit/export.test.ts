import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as fontkit from 'fontkit';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { exportFontFiles, fontRuns, pdfExportWriter } from '../../src/adapters/export-pdf';
import {
  describeChange,
  type ExportDocumentWriter,
  type ExportHead,
  type ExportMessage,
  jsonExportWriter,
} from '../../src/domain/export';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/chat-export.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const owner = { id: 'owner-1', name: 'Zoë Ωmega 李雷', kind: 'practitioner' as const };
const dana = { id: 'client-1', name: 'Dana Smith', kind: 'client' as const };
const tom = { id: 'team-1', name: 'Tom Ng', kind: 'practitioner' as const };
/** Names in the scripts practices' people write them in: Korean, Japanese, Cyrillic, Greek, Arabic. */
const minji = { id: 'client-2', name: '김민지', kind: 'client' as const };
const sakura = { id: 'client-3', name: '佐藤 さくら サクラ', kind: 'client' as const };
const otherNames = ['Дмитрий Иванов', 'Αλέξανδρος Παπαδόπουλος', 'محمد علي', 'Zoë Ωmega 李雷'];
const file = {
  id: 'file-1',
  filename: 'plan.pdf',
  contentType: 'application/pdf',
  size: 1234,
  sha256: 'a'.repeat(64),
};

const head: ExportHead = {
  exportId: 'export-1',
  requestedBy: owner,
  generatedAt: '2026-12-02T10:00:00.000Z',
  upToSeq: 4,
  chat: {
    id: 'chat-1',
    practiceId: 'practice-1',
    kind: 'group',
    name: 'Spring programme 春',
    style: 'feed',
    owner: tom,
    programId: null,
    createdAt: '2026-12-01T09:00:00.000Z',
  },
  participantChanges: [
    {
      change: 'added',
      person: dana,
      role: 'client',
      via: 'invited',
      by: tom,
      messages: null,
      at: '2026-12-01T09:01:00.000Z',
    },
    {
      change: 'added',
      person: minji,
      role: 'client',
      via: 'invited',
      by: tom,
      messages: null,
      at: '2026-12-01T09:02:00.000Z',
    },
    {
      change: 'added',
      person: sakura,
      role: 'client',
      via: 'invited',
      by: tom,
      messages: null,
      at: '2026-12-01T09:03:00.000Z',
    },
    {
      change: 'removed',
      person: dana,
      role: 'client',
      via: null,
      by: owner,
      messages: 'keep',
      at: '2026-12-01T12:00:00.000Z',
    },
  ],
};

const message = (overrides: Partial<ExportMessage>): ExportMessage => ({
  id: 'm1',
  seq: 1,
  parentId: null,
  parentSeq: null,
  author: tom,
  originalAuthor: null,
  body: 'Welcome',
  mentions: [],
  attachments: [],
  pinnedAt: null,
  editedAt: null,
  deletedAt: null,
  createdAt: '2026-12-01T10:00:00.000Z',
  revisions: [],
  ...overrides,
});

const messages: ExportMessage[] = [
  message({
    body: 'Welcome, final text',
    editedAt: '2026-12-01T10:05:00.000Z',
    attachments: [file],
    revisions: [
      { number: 1, body: 'Welcome, first text', attachments: [], replacedAt: '2026-12-01T10:05:00.000Z' },
    ],
  }),
  message({
    id: 'm2',
    seq: 2,
    parentId: 'm1',
    parentSeq: 1,
    author: null,
    originalAuthor: { person: dana, unlinkedAt: '2026-12-01T12:00:00.000Z', unlinkedBy: owner },
    body: 'Thanks, Zoë Ωmega 李雷',
    mentions: [owner],
  }),
  message({ id: 'm3', seq: 3, body: null, deletedAt: '2026-12-01T11:00:00.000Z' }),
  message({ id: 'm4', seq: 4, author: minji, body: `안녕하세요, ${otherNames.join(', ')}` }),
];

/** Runs a writer over the sample document and returns its bytes. */
async function render(make: (sink: (chunk: Buffer) => void) => ExportDocumentWriter): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const writer = make((chunk) => chunks.push(chunk));
  writer.begin(head);
  for (const each of messages) writer.message(each);
  await writer.end({ messages: 4, revisions: 1, attachments: 1, participantChanges: 4 });
  return Buffer.concat(chunks);
}

async function pdfText(data: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false }).promise;
  const lines: string[] = [];
  for (let number = 1; number <= pdf.numPages; number++) {
    const content = await (await pdf.getPage(number)).getTextContent();
    lines.push(content.items.map((item) => ('str' in item ? item.str : '')).join(''));
  }
  return lines.join('\n');
}

// The PDF tests read 13 MB of fonts and parse the PDF back: seconds on a busy machine.
describe('C2 export documents', () => {
  it('C2: the JSON document is valid against its schema and holds revisions, threads, tombstones and original authors', async () => {
    const document = JSON.parse((await render(jsonExportWriter)).toString('utf8'));
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(document.messages).toHaveLength(4);
    expect(document.messages[0].revisions[0].body).toBe('Welcome, first text');
    expect(document.messages[0].attachments[0]).toEqual(file);
    expect(document.messages[1]).toMatchObject({
      parentId: 'm1',
      author: null,
      originalAuthor: { person: dana },
    });
    expect(document.messages[2]).toMatchObject({ body: null, deletedAt: '2026-12-01T11:00:00.000Z' });
    expect(document.participantChanges[3]).toMatchObject({ change: 'removed', by: owner, messages: 'keep' });
    expect(document.counts).toEqual({ messages: 4, revisions: 1, attachments: 1, participantChanges: 4 });
  });

  it('C2: a chat without messages is a valid document too', async () => {
    const chunks: Buffer[] = [];
    const writer = jsonExportWriter((chunk) => chunks.push(chunk));
    writer.begin({ ...head, participantChanges: [] });
    await writer.end({ messages: 0, revisions: 0, attachments: 0, participantChanges: 0 });
    const document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(document.messages).toEqual([]);
  });

  it('C2: the schema refuses a document that breaks it', () => {
    expect(validate({ schemaVersion: 1, export: {}, chat: {}, messages: [] })).toBe(false);
  });

  it('C2: non-Latin names are set in fonts that have their glyphs', () => {
    expect(fontRuns('Zoë Ωmega 李雷', 'regular')).toEqual([
      { font: 'regular', text: 'Zoë Ωmega ' },
      { font: 'cjk', text: '李雷' },
    ]);
    expect(fontRuns('Minji 김민지', 'bold')).toEqual([
      { font: 'bold', text: 'Minji ' },
      { font: 'hangul', text: '김민지' },
    ]);
    expect(fontRuns('佐藤 さくら', 'regular')).toEqual([
      { font: 'cjk', text: '佐藤' },
      { font: 'regular', text: ' ' },
      { font: 'cjk', text: 'さくら' },
    ]);
    // A letter and its combining accent stay together, in one font.
    expect(fontRuns('Zoe\u0308', 'regular')).toEqual([{ font: 'regular', text: 'Zoe\u0308' }]);
    // A right-to-left name is set apart, its words last first (pdfkit lays out word by word and
    // fontkit turns each Arabic word right to left); the comma after it stays outside.
    expect(fontRuns('Dmitry, محمد علي, Zoë', 'regular')).toEqual([
      { font: 'regular', text: 'Dmitry, ' },
      { font: 'regular', text: 'علي' },
      { font: 'regular', text: ' ' },
      { font: 'regular', text: 'محمد' },
      { font: 'regular', text: ', Zoë' },
    ]);
    // Lines stay in their order: a stretch ends at a line break.
    expect(fontRuns('سطر\nسطر آخر', 'regular').map((run) => run.text)).toEqual([
      'سطر',
      '\n',
      'آخر',
      ' ',
      'سطر',
    ]);
  });

  it('C2: every name, in every script here, is drawn with real glyphs, never the missing-glyph box', () => {
    const opened = new Map<string, fontkit.Font>();
    const font = (name: keyof typeof exportFontFiles) => {
      if (!opened.has(name)) {
        const file = fontkit.openSync(exportFontFiles[name]);
        opened.set(name, 'fonts' in file ? file.fonts[0]! : file);
      }
      return opened.get(name)!;
    };
    for (const name of [minji.name, sakura.name, ...otherNames, '안녕하세요']) {
      for (const weight of ['regular', 'bold'] as const) {
        for (const run of fontRuns(name, weight)) {
          // What pdfkit draws: the run laid out (shaped) in its font; glyph 0 is .notdef.
          const glyphs = font(run.font).layout(run.text).glyphs;
          expect(
            glyphs.filter((glyph) => glyph.id === 0),
            `${run.text} in ${run.font}`,
          ).toEqual([]);
        }
      }
    }
    // Arabic is laid out right to left, its letters joined (not the isolated forms).
    const arabic = font('regular');
    const laidOut = arabic.layout('محمد');
    expect(laidOut.direction).toBe('rtl');
    const isolated = arabic.glyphsForString('محمد').map((glyph) => glyph.id);
    expect(laidOut.glyphs.map((glyph) => glyph.id)).not.toEqual(isolated);
    expect(laidOut.glyphs.map((glyph) => glyph.id)).not.toEqual([...isolated].reverse());
  }, 30_000);

  it('C2: the PDF is readable and holds names, revisions, attachment hashes and participant changes as text', async () => {
    const data = await render(pdfExportWriter);
    expect(data.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(data);
    expect(text).toContain('Zoë Ωmega 李雷');
    expect(text).toContain('Spring programme 春');
    // Arabic is left out: text extraction reorders right-to-left glyphs by its own guesses
    // (how it is drawn is checked above, with the glyphs fontkit lays out).
    for (const name of [
      minji.name,
      sakura.name,
      ...otherNames.filter((name) => !/\p{Script=Arabic}/u.test(name)),
    ]) {
      expect(text).toContain(name);
    }
    // The Korean name made the PDF embed (a subset of) the Hangul font.
    expect(data.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NanumGothic/);
    expect(text).toContain('Welcome, first text');
    expect(text).toContain('a'.repeat(64));
    expect(text).toContain('Original author: Dana Smith');
    expect(text).toContain('reply to #1');
    expect(text).toContain('[deleted]');
    expect(text).toContain(describeChange(head.participantChanges[3]!));
  }, 30_000);
});
