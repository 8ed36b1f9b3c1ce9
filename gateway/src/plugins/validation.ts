import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';

/**
 * Validates requests with TypeBox instead of fastify's default Ajv, whose
 * coercion is all-or-nothing. Bodies are checked as sent: wrong types and
 * unknown fields are rejected, never coerced or silently dropped. Paths,
 * querystrings and headers arrive as text, so their numbers and booleans are
 * read from text first, strictly (`?limit=20` is the number 20; `1.5`, `1e3`
 * or ` 2` stay text and fail as not an integer). Defaults are applied to
 * every part. Every string of every part, whatever its schema, must be text
 * PostgreSQL can store and UTF-8 can carry: no NUL, no unpaired surrogate.
 * No body nests deeper than MAX_NESTING: deeper JSON is refused before any
 * recursive walk over it could exhaust the stack.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const textual = httpPart !== 'body';
  return (input: unknown) => {
    const nesting = tooDeep(input);
    if (nesting !== undefined) return { error: [nesting] };
    const withDefaults = Value.Default(schema, input);
    const value = textual ? fromText(schema, withDefaults) : withDefaults;
    const unstorable = unstorableText(value, '');
    if (unstorable !== undefined) return { error: [unstorable] };
    if (validator.Check(value)) return { value };
    return { error: [...validator.Errors(value)] as FastifySchemaValidationError[] };
  };
};

/** The exact spellings of integers and booleans in a path, query or header; anything else stays text. */
const spellings: Record<string, RegExp> = {
  integer: /^-?(0|[1-9][0-9]{0,15})$/,
  boolean: /^(true|false)$/,
};

/** Paths, querystrings and headers are flat objects of text: reads each declared integer or boolean. */
function fromText(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties || typeof input !== 'object' || input === null) return input;
  const read = { ...(input as Record<string, unknown>) };
  for (const [name, text] of Object.entries(read)) {
    const type = properties[name]?.type;
    if (typeof text !== 'string' || typeof type !== 'string' || !spellings[type]?.test(text)) continue;
    read[name] = type === 'boolean' ? text === 'true' : Number(text);
  }
  return read;
}

/** Deeper than any schema of the API (a few levels), far shallower than what would exhaust the stack. */
const MAX_NESTING = 32;

/** The first array or object nested deeper than MAX_NESTING, as a validation error; iterative, so any depth is safe. */
function tooDeep(input: unknown): FastifySchemaValidationError | undefined {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: input, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= MAX_NESTING) {
      return {
        keyword: 'nesting',
        instancePath: '',
        schemaPath: '#',
        params: {},
        message: `must not nest arrays or objects deeper than ${MAX_NESTING} levels`,
      };
    }
    for (const item of Object.values(next.value)) pending.push({ value: item, depth: next.depth + 1 });
  }
  return undefined;
}

/** A high surrogate without its low half, or a low one without its high half. */
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string holding NUL or an unpaired UTF-16 surrogate, as a
 * validation error at its path. One rule for every field at the edge: the
 * services store text in PostgreSQL, which refuses NUL, and a lone surrogate
 * would silently turn into U+FFFD on the way.
 */
function unstorableText(value: unknown, path: string): FastifySchemaValidationError | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000') || unpairedSurrogate.test(value)) {
      return {
        keyword: 'text',
        instancePath: path,
        schemaPath: '#',
        params: {},
        message: 'must not contain NUL characters or unpaired surrogates',
      };
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = unstorableText(key, path) ?? unstorableText(item, `${path}/${key}`);
    if (found) return found;
  }
  return undefined;
}
