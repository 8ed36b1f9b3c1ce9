import fc from 'fast-check';
import type { Operation, Schema } from './openapi';

/**
 * Requests generated from an operation's own schema: valid ones (which may
 * succeed), and every kind of bad input the issue names — wrong types, missing
 * and unknown fields, boundary and beyond-int64 numbers, oversize strings and
 * arrays, deep nesting, lone surrogates, NUL, prototype-pollution keys, odd ids
 * and path traversal in path parameters, bad content types, malformed JSON and
 * malformed multipart.
 */

/** JSON text written as is, for what `JSON.stringify` cannot say (numbers beyond a double, deep nesting). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a generated value; unlike JSON.stringify it keeps own `__proto__` keys and raw numbers. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${toJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object with `key` as an own property, `__proto__` included. */
function withKey(target: object, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...target } as Record<string, unknown>;
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** Real identifiers of the fuzzed world by what they name, so valid-looking input reaches deep into the services. */
export type IdPools = Record<string, string[]>;

/** Which pool a field or parameter draws from, by its name. */
function poolName(name: string): string {
  if (/^(personIds?|participantIds|mentions|teamMemberIds|practitionerIds|ownerId|personId)$/.test(name)) {
    return 'personId';
  }
  if (name === 'parentId' || name === 'messageId') return 'messageId';
  if (name === 'attachmentIds') return 'attachmentId';
  return name;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A value the schema accepts. */
export function valid(schema: Schema, pools: IdPools, name = ''): fc.Arbitrary<unknown> {
  let arbitrary: fc.Arbitrary<unknown>;
  if (Array.isArray(schema.enum)) arbitrary = fc.constantFrom(...schema.enum);
  else if (schema.anyOf || schema.oneOf) {
    arbitrary = fc.oneof(...(schema.anyOf ?? schema.oneOf).map((inner: Schema) => valid(inner, pools, name)));
  } else {
    switch (schema.type) {
      case 'string': {
        const minLength = schema.minLength ?? 0;
        const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
        if (schema.format === 'date-time') {
          arbitrary = fc
            .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
            .map((date) => date.toISOString());
        } else if (schema.format === 'email') {
          arbitrary = fc.emailAddress();
        } else if (schema.pattern === '^https?://' || schema.format === 'uri') {
          arbitrary = fc.webUrl();
        } else if (schema.pattern) {
          arbitrary = fc.stringMatching(new RegExp(schema.pattern));
        } else {
          arbitrary = fc.string({ minLength, maxLength });
        }
        const pool = pools[poolName(name)];
        if (pool?.length) {
          arbitrary = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary });
        }
        break;
      }
      case 'integer':
      case 'number': {
        const min = Math.max(schema.minimum ?? -1_000_000, -MAX_SAFE);
        const max = Math.min(schema.maximum ?? 1_000_000, MAX_SAFE);
        arbitrary =
          schema.type === 'integer'
            ? fc.oneof(fc.integer({ min, max: Math.min(max, min + 50) }), fc.integer({ min, max }))
            : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
        break;
      }
      case 'boolean':
        arbitrary = fc.boolean();
        break;
      case 'array': {
        const item = valid(schema.items ?? {}, pools, name);
        const constraints = {
          minLength: schema.minItems ?? 0,
          maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 5, 5)),
        };
        arbitrary = schema.uniqueItems
          ? fc.uniqueArray(item, { ...constraints, selector: (value) => toJson(value) })
          : fc.array(item, constraints);
        break;
      }
      case 'object': {
        const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
        if (properties.length === 0) {
          arbitrary = fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), {
            maxKeys: 3,
          });
          break;
        }
        const required = ((schema.required ?? []) as string[]).filter((key) => schema.properties[key]);
        arbitrary = fc.record(
          Object.fromEntries(properties.map(([key, inner]) => [key, valid(inner, pools, key)])),
          { requiredKeys: required },
        );
        break;
      }
      default:
        arbitrary = fc.jsonValue({ maxDepth: 2 });
    }
  }
  return schema.nullable ? fc.option(arbitrary, { nil: null, freq: 5 }) : arbitrary;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings that trouble parsers, databases, path handling and templates. */
export const nastyStrings: string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u202eevil',
  '\ufeff',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '"; DROP TABLE messages; --',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, meant literally
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e400',
  '9223372036854775808',
  '\r\nX-Injected: 1',
  'me',
  '🏳️‍🌈'.repeat(3),
  'ᵃ'.repeat(1000),
  'javascript:alert(1)',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
];

const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 1, arbitrary: fc.string({ unit: loneSurrogate, minLength: 1, maxLength: 4 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f'), maxLength: 5 }),
  },
);

/** Numbers at and past every boundary, beyond a double's integers and beyond int64. */
function nastyNumber(schema: Schema): fc.Arbitrary<unknown> {
  const edges = [
    0,
    -0,
    -1,
    1,
    0.5,
    -0.5,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
  ];
  edges.push(-(2 ** 53) - 2, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE);
  if (typeof schema.minimum === 'number') edges.push(schema.minimum - 1, schema.minimum - 0.5);
  if (typeof schema.maximum === 'number') edges.push(schema.maximum + 1, schema.maximum + 0.5);
  const raw = [
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '18446744073709551616',
    '1e400',
    '-1e400',
    '123456789012345678901234567890123456789',
    '1.00000000000000000000000000001',
    '-0',
    '0e0',
    '1E+2',
    '1e-400',
  ].map((text) => new RawJson(text));
  return fc.oneof(
    fc.constantFrom(...edges),
    fc.constantFrom(...raw),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((big) => new RawJson(big.toString())),
    fc.double(),
  );
}

const wrongType = fc.constantFrom<unknown>(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  '',
  'x',
  [],
  {},
  [null],
  { a: {} },
  ['x'],
);

/** Arrays, or objects, nested far deeper than any schema: raw JSON text. */
const deepNesting = fc
  .tuple(fc.constantFrom(64, 1_000, 10_000, 60_000), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? new RawJson('['.repeat(depth) + ']'.repeat(depth))
      : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );

const pollution = fc.constantFrom<unknown>(
  JSON.parse('{"__proto__":{"polluted":true,"isAdmin":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
  JSON.parse('{"__proto__":null}'),
  JSON.parse('{"prototype":{"polluted":true}}'),
);

/** A value of the schema's place that the schema refuses (or a legal oddity right at its edge). */
export function hostile(schema: Schema, pools: IdPools, name = ''): fc.Arbitrary<unknown> {
  const kinds: Array<fc.WeightedArbitrary<unknown>> = [
    { weight: 3, arbitrary: wrongType },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: pollution },
  ];
  switch (schema.type) {
    case 'string': {
      const over = (schema.maxLength ?? 10_000) + 1;
      kinds.push(
        { weight: 6, arbitrary: nastyString },
        {
          weight: 2,
          arbitrary: fc.constantFrom(over, 65_536, 300_000).map((length) => 'x'.repeat(length)),
        },
      );
      if (schema.minLength)
        kinds.push({ weight: 1, arbitrary: fc.constant('x'.repeat(schema.minLength - 1)) });
      break;
    }
    case 'integer':
    case 'number':
      kinds.push({ weight: 6, arbitrary: nastyNumber(schema) });
      break;
    case 'array': {
      const item = valid(schema.items ?? {}, pools, name);
      const over = (schema.maxItems ?? 1_000) + 1;
      kinds.push(
        {
          weight: 2,
          arbitrary: fc
            .tuple(item, fc.constantFrom(over, 10_000))
            .map(([value, length]) => Array.from({ length }, () => value)),
        },
        { weight: 1, arbitrary: item.map((value) => [value, value]) },
        {
          weight: 3,
          arbitrary: fc.array(hostile(schema.items ?? {}, pools, name), { minLength: 1, maxLength: 3 }),
        },
      );
      break;
    }
    case 'object':
      kinds.push({ weight: 6, arbitrary: mutatedObject(schema, pools) });
      break;
    default:
      kinds.push({ weight: 2, arbitrary: nastyString }, { weight: 2, arbitrary: nastyNumber(schema) });
  }
  return fc.oneof(...kinds);
}

/** A valid object with one thing wrong: a required field gone, a field of the wrong kind, an unknown or polluting key. */
export function mutatedObject(schema: Schema, pools: IdPools): fc.Arbitrary<unknown> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  const required = (schema.required ?? []) as string[];
  const base = valid({ ...schema, nullable: false }, pools) as fc.Arbitrary<Record<string, unknown>>;
  const mutations: Array<fc.Arbitrary<unknown>> = [
    fc
      .tuple(base, fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([object, key, value]) => withKey(object, key, value)),
    fc
      .tuple(base, fc.constantFrom('__proto__', 'constructor', 'prototype'), pollution)
      .map(([object, key, value]) => withKey(object, key, value)),
  ];
  if (required.length > 0) {
    mutations.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([object, key]) => {
        const copy = { ...object };
        delete copy[key];
        return copy;
      }),
    );
  }
  if (properties.length > 0) {
    mutations.push(
      fc
        .tuple(base, fc.constantFrom(...properties))
        .chain(([object, [key, inner]]) =>
          hostile(inner, pools, key).map((value) => withKey(object, key, value)),
        ),
    );
  }
  return fc.oneof(...mutations);
}

/** Bodies that are not JSON at all, or barely: each a parser's edge. */
const malformedBodies: Array<string | Buffer> = [
  '',
  '{',
  '{"body":',
  '{"body": "x",}',
  "{'body': 'x'}",
  '{"body": "x"} trailing',
  '\ufeff{}',
  '{"body":"a\u0000b"}',
  '{"body":"\\ud800"}',
  '{"body":"a","body":"b"}',
  '{"__proto__":{"polluted":true},"__proto__":{"x":1}}',
  '[]',
  'null',
  'true',
  '0',
  '"x"',
  'NaN',
  'undefined',
  '{"a":1e400}',
  '{"a":-}',
  '\u0000\u0000',
  '{"a":"\\u0000"}',
  '{"a":"\\uZZZZ"}',
  '<?xml version="1.0"?><body>x</body>',
  'body=x&mentions=y',
  Buffer.from([0x7b, 0x22, 0x62, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
  Buffer.alloc(64, 0),
];

export const badContentTypes = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=zzz',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/jsonx',
  'application/merge-patch+json',
  'application/octet-stream',
  '*/*',
  'application/json, text/plain',
  'json',
  ';;;',
  `application/json; ${'p=1; '.repeat(300)}`,
];

/** A request as sent on the wire: a raw path (not normalised), headers and body bytes. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Who sends it: the principal the operation is for, another, or a bad token. */
  as: Principal;
}

export type Principal = 'intended' | 'client' | 'member' | 'none' | 'garbage' | 'forged' | 'expired';

const byte = (code: number) => `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD's bytes). */
export const encodeAll = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((code) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(code)) ? String.fromCharCode(code) : byte(code),
    )
    .join('');

/** What a path parameter may be, as it is put in the URL. */
const oddIds = [
  '..',
  '.',
  '../..',
  '..%2F..',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%5c..%5c',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%ED%B0%80',
  '%C0%AE%C0%AE',
  '%F0%9F%98%80',
  '%FF%FE',
  'x'.repeat(65),
  'x'.repeat(5_000),
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '-1',
  '0',
  '99999999999999999999999',
  '1e400',
  'NaN',
  'null',
  'undefined',
  '%20',
  "'%20OR%201=1--",
  '%27',
  '%22',
  '%3Cscript%3E',
  '*',
  '%',
  '%zz',
  '%%',
  'me',
  'a;b',
  'a,b',
  '%0d%0aSet-Cookie:x=1',
  '~',
  '..;',
  ';',
  'a?b=1',
  'a#b',
];

function pathParameter(name: string, pools: IdPools): fc.Arbitrary<string> {
  const pool = pools[poolName(name)] ?? [];
  return fc.oneof(
    {
      weight: pool.length ? 6 : 0,
      arbitrary: pool.length ? fc.constantFrom(...pool).map(encodeAll) : fc.constant('x'),
    },
    { weight: 3, arbitrary: fc.constantFrom(...oddIds) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeAll) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  );
}

const oddQueries = [
  '__proto__[polluted]=1',
  'constructor[prototype][polluted]=1',
  'limit=1&limit=2',
  'cursor=%00',
  'unknown=1',
  'a=%zz',
  '%=%',
  '&&&',
  '=====',
  `x=${'y'.repeat(10_000)}`,
  'limit=99999999999999999999999',
  'limit=-1',
  'limit=0x10',
  'limit=%20%205',
  'limit=1e400',
  'cursor=..%2F..',
  'messages=both',
];

function queryValue(schema: Schema, pools: IdPools, name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: valid(schema, pools, name).map((value) => encodeAll(String(value))) },
    { weight: 2, arbitrary: hostile(schema, pools, name).map((value) => encodeAll(toJson(value))) },
    { weight: 1, arbitrary: nastyString.map(encodeAll) },
  );
}

function headerValue(schema: Schema): fc.Arbitrary<string> {
  return fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/),
    fc.constantFrom(
      '',
      ' ',
      'x'.repeat(200),
      'x'.repeat(201),
      'x'.repeat(8_000),
      '__proto__',
      '../..',
      '%00',
    ),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) }),
    valid(schema, {}).map((value) => String(value).replace(/[^\x20-\x7e]/g, '')),
  );
}

/** One JSON body, from valid to malformed, sent as JSON unless the content type is the thing fuzzed. */
function jsonBody(
  schema: Schema,
  pools: IdPools,
): fc.Arbitrary<{ body: string | Buffer; contentType?: string }> {
  const json = (value: unknown) => ({ body: toJson(value), contentType: 'application/json' });
  const object = schema.type === 'object';
  const content = fc.oneof(
    { weight: 3, arbitrary: valid(schema, pools).map(json) },
    {
      weight: object ? 5 : 0,
      arbitrary: (object ? mutatedObject(schema, pools) : fc.constant({})).map(json),
    },
    { weight: 2, arbitrary: hostile(schema, pools).map(json) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...malformedBodies)
        .map((body) => ({ body, contentType: 'application/json' })),
    },
  );
  return fc
    .tuple(
      content,
      fc.oneof(
        { weight: 8, arbitrary: fc.constant<string | null | undefined>(undefined) },
        { weight: 2, arbitrary: fc.constantFrom<string | null>(...badContentTypes, null) },
      ),
    )
    .map(([{ body, contentType }, override]) => ({
      body,
      contentType: override === undefined ? contentType : (override ?? undefined),
    }));
}

const CRLF = '\r\n';
/** multipart/form-data bodies, well-formed or not: the upload operations' input. */
const multipartBody: fc.Arbitrary<{ body: string | Buffer; contentType?: string }> = fc
  .record({
    boundary: fc.constantFrom('fuzzboundary', 'a'.repeat(70), 'x'),
    field: fc.constantFrom('file', 'file', 'file', 'files', '', '__proto__', 'constructor'),
    filename: fc.oneof(
      fc.constantFrom(
        'notes.txt',
        '../../../etc/passwd',
        'a\u0000b.txt',
        '',
        '..',
        'x'.repeat(2_000),
        'ＣＯＮ.txt',
      ),
      fc.string({ unit: 'binary', maxLength: 30 }),
    ),
    type: fc.constantFrom(
      'text/plain',
      'image/png',
      'application/x-msdownload',
      '',
      'text/html; charset=utf-7',
      '*/*',
    ),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom(0, 1, 70_000).map((length) => Buffer.alloc(length, 0x61)),
    ),
    shape: fc.constantFrom(
      'one',
      'one',
      'two-files',
      'field-and-file',
      'cut-short',
      'no-closing',
      'wrong-boundary',
      'no-boundary',
      'empty',
    ),
  })
  .map(({ boundary, field, filename, type, data, shape }) => {
    const part = (name: string, file?: string) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}${CRLF}Content-Disposition: form-data; name="${name}"${file === undefined ? '' : `; filename="${file}"`}${CRLF}` +
            (type ? `Content-Type: ${type}${CRLF}` : '') +
            CRLF,
        ),
        data,
        Buffer.from(CRLF),
      ]);
    const end = Buffer.from(`--${boundary}--${CRLF}`);
    const contentType = `multipart/form-data; boundary=${boundary}`;
    switch (shape) {
      case 'two-files':
        return { body: Buffer.concat([part(field, filename), part(field, 'second.txt'), end]), contentType };
      case 'field-and-file':
        return { body: Buffer.concat([part('note'), part(field, filename), end]), contentType };
      case 'cut-short': {
        const whole = Buffer.concat([part(field, filename), end]);
        return { body: whole.subarray(0, Math.floor(whole.length / 2)), contentType };
      }
      case 'no-closing':
        return { body: part(field, filename), contentType };
      case 'wrong-boundary':
        return {
          body: Buffer.concat([part(field, filename), end]),
          contentType: 'multipart/form-data; boundary=other',
        };
      case 'no-boundary':
        return { body: Buffer.concat([part(field, filename), end]), contentType: 'multipart/form-data' };
      case 'empty':
        return { body: '', contentType };
      default:
        return { body: Buffer.concat([part(field, filename), end]), contentType };
    }
  });

const principal = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Principal>('intended') },
  { weight: 2, arbitrary: fc.constant<Principal>('client') },
  { weight: 1, arbitrary: fc.constant<Principal>('member') },
  { weight: 1, arbitrary: fc.constantFrom<Principal>('none', 'garbage', 'forged', 'expired') },
);

/** Requests for one operation: every parameter, the body and the caller varied at once. */
export function requests(operation: Operation, pools: IdPools): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const query = operation.parameters.filter((parameter) => parameter.in === 'query');
  const headers = operation.parameters.filter((parameter) => parameter.in === 'header');
  const noBody = fc.constant<{ body?: string | Buffer; contentType?: string }>({});
  const body = operation.uploads
    ? fc.oneof({ weight: 8, arbitrary: multipartBody }, { weight: 2, arbitrary: jsonBody({}, pools) })
    : operation.body
      ? fc.oneof(
          { weight: 12, arbitrary: jsonBody(operation.body.schema, pools) },
          { weight: 1, arbitrary: noBody },
        )
      : fc.oneof({ weight: 12, arbitrary: noBody }, { weight: 1, arbitrary: jsonBody({}, pools) });
  return fc
    .record({
      path: fc.tuple(...pathParameters.map((parameter) => pathParameter(parameter.name, pools))),
      query: fc.tuple(
        ...query.map((parameter) =>
          fc.option(
            queryValue(parameter.schema, pools, parameter.name).map((value) => `${parameter.name}=${value}`),
            {
              freq: 2,
            },
          ),
        ),
      ),
      extraQuery: fc.option(fc.constantFrom(...oddQueries), { freq: 4 }),
      headers: fc.tuple(
        ...headers.map((parameter) =>
          fc.option(
            headerValue(parameter.schema).map((value) => [parameter.name, value] as const),
            { freq: 2 },
          ),
        ),
      ),
      body,
      as: principal,
    })
    .map(({ path, query: queryParts, extraQuery, headers: headerParts, body: { body, contentType }, as }) => {
      let index = 0;
      const url = operation.path.replace(/\{[^}]+\}/g, () => path[index++] ?? 'x');
      const search = [...queryParts, extraQuery].filter((part): part is string => Boolean(part)).join('&');
      const sent: Record<string, string> = {};
      for (const pair of headerParts) if (pair) sent[pair[0]] = pair[1];
      if (contentType !== undefined) sent['content-type'] = contentType;
      return { method: operation.method, path: search ? `${url}?${search}` : url, headers: sent, body, as };
    });
}
