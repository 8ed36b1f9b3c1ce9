import { readFileSync } from 'node:fs';
import { errorStatus, HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../src/plugins/problems';

const withStatus = (statusCode: number, message = 'x') => Object.assign(new Error(message), { statusCode });

describe('toProblem', () => {
  it('maps a HuddleError by its code and status, keeping its safe details', () => {
    expect(toProblem(new HuddleError('pin_limit_reached', 'At most 10 pinned posts', { limit: 10 }))).toEqual(
      {
        type: 'urn:huddle:problem:pin_limit_reached',
        title: 'Pin limit reached',
        status: 409,
        code: 'pin_limit_reached',
        detail: 'At most 10 pinned posts',
        details: { limit: 10 },
      },
    );
  });

  it('load shedding (under-pressure 503) is unavailable', () => {
    expect(toProblem(withStatus(503, 'Service Unavailable'))).toMatchObject({
      status: 503,
      code: 'unavailable',
    });
  });

  it('fastify client errors keep their 4xx status and get a stable code', () => {
    expect(toProblem(withStatus(413))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(toProblem(withStatus(415))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(toProblem(withStatus(405))).toMatchObject({ status: 405, code: 'validation_failed' });
  });

  it('a library’s 4xx message is not passed on: it may quote what was sent', () => {
    const parser = withStatus(400, 'Unexpected token \'Q\', "{"body": "Quillfeather" is not valid JSON');
    const media = withStatus(415, 'Unsupported Media Type: application/x-quillfeather');
    for (const error of [parser, media]) {
      expect(JSON.stringify(toProblem(error))).not.toMatch(/quillfeather/i);
    }
  });

  it('anything unexpected is 500 internal and says nothing of the cause', () => {
    expect(toProblem(new Error('connection string postgres://user:pw@db'))).toEqual({
      type: 'urn:huddle:problem:internal',
      title: 'Internal',
      status: 500,
      code: 'internal',
      detail: 'Internal error',
    });
    expect(toProblem(new HuddleError('internal', 'secret detail')).detail).toBe('Internal error');
  });
});

describe("the README's problem codes", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Problem codes'), readme.indexOf('## Decisions'));
  const rows = [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+?) \|\s*(DESIGN)?\s*\|$/gm)];

  it('lists every code of errorStatus, once, with its status and a meaning', () => {
    expect(rows.map(([, code]) => code).sort()).toEqual(Object.keys(errorStatus).sort());
    for (const [, code, status, meaning] of rows) {
      expect(Number(status), code).toBe(errorStatus[code as keyof typeof errorStatus]);
      expect(meaning!.trim().length, code).toBeGreaterThan(10);
    }
  });

  it('marks as DESIGN the codes of DESIGN.md section 4, the C2 export codes among the others', () => {
    const design = rows.filter((row) => row[4] === 'DESIGN').map(([, code]) => code);
    expect(design).toEqual(
      expect.arrayContaining(['validation_failed', 'not_found', 'forbidden', 'idempotency_key_reused']),
    );
    expect(design).not.toContain('export_not_ready');
    expect(design).not.toContain('export_expired');
  });
});
