/** The gateway's own OpenAPI document, read from the running system: what the fuzzer generates from. */

export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** The templated path, e.g. `/v1/chats/{chatId}`. */
  path: string;
  parameters: Parameter[];
  /** The request body by content type (`application/json`, `multipart/form-data`). */
  body?: { required: boolean; contentType: string; schema: Schema };
  /** Documented responses by status (`200`, `4XX`): the JSON schema, or null without a JSON body. */
  responses: Record<string, Schema | null>;
  /** Operations whose upload the document describes without a body schema (multipart). */
  uploads: boolean;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** Every operation of the document, but the WebSocket upgrade (its frames are fuzzed apart). */
export async function loadOperations(baseUrl: string): Promise<Operation[]> {
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Schema;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Schema>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method) || op.responses?.['101']) continue;
      const content = op.requestBody?.content as Record<string, { schema?: Schema }> | undefined;
      const [contentType, media] = Object.entries(content ?? {})[0] ?? [];
      const responses: Operation['responses'] = {};
      for (const [status, response] of Object.entries(op.responses as Record<string, Schema>)) {
        responses[status] = response.content?.['application/json']?.schema ?? null;
      }
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: ((op.parameters ?? []) as Parameter[]).map((parameter) => ({
          name: parameter.name,
          in: parameter.in,
          required: Boolean(parameter.required),
          schema: parameter.schema ?? {},
        })),
        body:
          contentType && media
            ? { required: Boolean(op.requestBody.required), contentType, schema: media.schema ?? {} }
            : undefined,
        responses,
        // The document shows an upload's body in words only (fastify-swagger drops `consumes`).
        uploads: contentType === 'multipart/form-data' || /multipart\/form-data/.test(op.description ?? ''),
      });
    }
  }
  return operations;
}

export const operationName = (operation: Pick<Operation, 'method' | 'path'>) =>
  `${operation.method} ${operation.path}`;
