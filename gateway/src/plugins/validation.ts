import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';

/**
 * Validates requests with TypeBox instead of fastify's default Ajv, whose
 * coercion is all-or-nothing. Bodies are checked as sent: wrong types and
 * unknown fields are rejected, never coerced or silently dropped. Paths,
 * querystrings and headers arrive as text, so they are converted to the
 * schema's types first (`?limit=20` is the number 20). Defaults are applied
 * to every part.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const textual = httpPart !== 'body';
  return (input: unknown) => {
    const withDefaults = Value.Default(schema, input);
    const value = textual ? Value.Convert(schema, withDefaults) : withDefaults;
    if (validator.Check(value)) return { value };
    return { error: [...validator.Errors(value)] as FastifySchemaValidationError[] };
  };
};
