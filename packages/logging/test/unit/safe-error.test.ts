import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, safeError } from '../../src';

/** An error as drizzle raises it for a failed statement, around PostgreSQL's own. */
function failedInsert() {
  const database = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
    name: 'error',
    severity: 'ERROR',
    code: '22021',
    detail: 'Key (email)=(dana@quill.example) already exists.',
    where: 'PL/pgSQL function with value Quillfeather',
    table: 'people',
  });
  return Object.assign(
    new Error('Failed query: insert into "people" ("first_name") values ($1)\nparams: Quillfeather'),
    { query: 'insert into "people" ("first_name") values ($1)', params: ['Quillfeather'], cause: database },
  );
}

describe('logs carry no values a statement bound (no PHI in logs)', () => {
  it('a failed statement keeps its text and SQLSTATE, not its parameters, message or detail', () => {
    const safe = safeError(failedInsert());
    expect(safe).toMatchObject({
      type: 'DatabaseQueryError',
      query: 'insert into "people" ("first_name") values ($1)',
      cause: { type: 'DatabaseError', code: '22021', table: 'people' },
    });
    expect(JSON.stringify(safe)).not.toMatch(/Quillfeather|dana@quill|params/);
  });

  it('a logger writes errors under err through it', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'test', destination });
    logger.error({ err: failedInsert() }, 'rpc failed');
    logger.child({ rpc: 'x' }).error(failedInsert(), 'rpc failed');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toContain('"code":"22021"');
      expect(line).not.toMatch(/Quillfeather|dana@quill|params/);
    }
  });

  it('other errors keep their kind, message and stack', () => {
    expect(safeError(new TypeError('x is not a function'))).toMatchObject({
      type: 'TypeError',
      message: 'x is not a function',
      stack: expect.stringContaining('TypeError'),
    });
  });
});
