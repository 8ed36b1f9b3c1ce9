interface Parameter {
  in?: string;
  required?: boolean;
  schema?: { default?: unknown };
}

/**
 * A query parameter with a default (`?limit=`, 50) may be left out, whatever
 * TypeBox's `required` says (the validator fills the default in): the document
 * says so, so clients generated from it (@huddle/client) need not send it.
 */
export function optionalDefaultedParameters<D extends { paths?: object }>(document: D): D {
  for (const item of Object.values(document.paths ?? {}) as Array<Record<string, unknown>>) {
    for (const operation of Object.values(item ?? {}) as Array<{ parameters?: Parameter[] } | undefined>) {
      for (const parameter of operation?.parameters ?? []) {
        if (parameter.in === 'query' && parameter.schema?.default !== undefined) parameter.required = false;
      }
    }
  }
  return document;
}
