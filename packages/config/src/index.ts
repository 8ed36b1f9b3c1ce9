import Type, { type Static, type TObject, type TSchema } from 'typebox';
import Value from 'typebox/value';

export { Type };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads the environment once against a schema of environment variable names.
 * Strings are converted to the schema's types and defaults applied; every bad
 * key is listed in one error so a misconfigured boot shows all of it at once.
 */
export function parseEnv<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Static<S> {
  const present: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') present[key] = raw;
  }
  const value = Value.Convert(schema, Value.Default(schema, present)) as Record<string, unknown>;
  const required = new Set<string>((schema as { required?: string[] }).required ?? []);
  // Each key is checked on its own, so one bad key never hides another.
  const problems = Object.entries(schema.properties).flatMap(([key, property]) => {
    if (value[key] === undefined) return required.has(key) ? [`${key}: required`] : [];
    if (Value.Check(property, value[key])) return [];
    return [`${key}: ${describe(property as TSchema, value[key])}`];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return value as Static<S>;
}

/** What a value should have been: the allowed values of a choice, else the schema's first complaint. */
function describe(property: TSchema, value: unknown): string {
  const choices = (property as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (choices?.every((choice) => choice.const !== undefined)) {
    return `must be one of ${choices.map((choice) => String(choice.const)).join(', ')}`;
  }
  const [first] = [...Value.Errors(property, value)];
  return first?.message ?? 'is not valid';
}

/** Freezes a config object and everything inside it. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Environment keys every service shares. */
export const commonEnv = {
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  NATS_URL: Type.String({ default: 'nats://127.0.0.1:4222' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ format: 'uri' })),
};
