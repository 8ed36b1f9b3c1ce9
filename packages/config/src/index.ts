import Type, { type Static, type TObject } from 'typebox';
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
  const value = Value.Convert(schema, Value.Default(schema, present));
  const problems = [...Value.Errors(schema, value)].map((error) => {
    const key = error.instancePath.replace(/^\//, '');
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      return `${missing.join(', ')}: required`;
    }
    return `${key}: ${error.message}`;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return value as Static<S>;
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
