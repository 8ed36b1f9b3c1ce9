import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Operation, Schema } from './openapi';
import type { Answer } from './send';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as typeof addFormatsModule;

export type Verdict = '2xx' | '4xx' | '5xx' | 'documented 5xx' | 'other' | 'no answer' | 'unsendable';

/**
 * Judges each answer against the contract: a 4xx is problem+json of the
 * documented error shape, a 2xx is a documented status whose JSON body matches
 * its documented schema, and nothing else (5xx, a hang, a dropped connection)
 * is acceptable.
 */
export function createJudge(operations: Operation[]) {
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  const compiled = new Map<Schema, ValidateFunction>();
  const validatorOf = (schema: Schema) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(nullableEnums(structuredClone(schema)));
      compiled.set(schema, validate);
    }
    return validate;
  };
  // Every operation documents the same problem shape; unmatched routes (a traversed path) answer with it too.
  const problemSchema = operations.map((operation) => operation.responses['4XX']).find(Boolean) as Schema;

  return function judge(operation: Operation, answer: Answer): { verdict: Verdict; finding?: string } {
    if (answer.failure === 'unsendable') return { verdict: 'unsendable' };
    if (answer.failure) return { verdict: 'no answer', finding: answer.failure };
    const { status } = answer;
    // A 5xx the operation documents by its exact status (503 of /readyz: a service did not answer its
    // health check in time) describes the system, not the input; anything else is a finding.
    if (status >= 500 && String(status) in operation.responses) return { verdict: 'documented 5xx' };
    if (status >= 500) return { verdict: '5xx', finding: `${status} ${answer.text.slice(0, 300)}` };
    if (status >= 400) {
      if (!answer.contentType.includes('application/problem+json')) {
        return { verdict: '4xx', finding: `${status} as ${answer.contentType || 'no content type'}` };
      }
      let problem: { status?: number; code?: string };
      try {
        problem = JSON.parse(answer.text);
      } catch {
        return { verdict: '4xx', finding: `${status} problem+json that is not JSON` };
      }
      const validate = validatorOf(operation.responses['4XX'] ?? problemSchema);
      if (!validate(problem)) {
        return {
          verdict: '4xx',
          finding: `${status} problem off its schema: ${ajv.errorsText(validate.errors)}`,
        };
      }
      if (problem.status !== status)
        return { verdict: '4xx', finding: `${status} problem says ${problem.status}` };
      return { verdict: '4xx' };
    }
    if (status >= 200 && status < 300) {
      if (!(String(status) in operation.responses)) {
        return { verdict: '2xx', finding: `${status} is not a documented answer` };
      }
      const schema = operation.responses[String(status)];
      if (schema && answer.contentType.includes('application/json')) {
        const validate = validatorOf(schema);
        if (!validate(JSON.parse(answer.text))) {
          return {
            verdict: '2xx',
            finding: `${status} body off its schema: ${ajv.errorsText(validate.errors)}`,
          };
        }
      }
      return { verdict: '2xx' };
    }
    return { verdict: 'other', finding: `${status}` };
  };
}

/**
 * The document says a nullable enum as `{enum: [...], nullable: true}` (how
 * fastify-swagger writes a union with null); OpenAPI 3.0.0 reads `nullable` as
 * adding null, Ajv wants null in the enum: the schema as the document means it.
 */
function nullableEnums(schema: Schema): Schema {
  if (schema.nullable && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  for (const value of Object.values(schema)) {
    if (value && typeof value === 'object') nullableEnums(value as Schema);
  }
  return schema;
}
