import { describe, expect, it } from 'vitest';
import { ConfigError, commonEnv, deepFreeze, parseEnv, Type } from '../../src';

const schema = Type.Object({
  ...commonEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  NAME: Type.String({ minLength: 1 }),
  FLAG: Type.Boolean({ default: false }),
});

describe('config: the environment, read once against a schema', () => {
  it('converts strings, applies defaults, and treats an empty value as unset', () => {
    const config = parseEnv(schema, { NAME: 'huddle', PORT: '9090', FLAG: 'true', LOG_LEVEL: '' });
    expect(config).toMatchObject({ NAME: 'huddle', PORT: 9090, FLAG: true, LOG_LEVEL: 'info' });
  });

  it('lists every bad key at once, each once, with what it should be', () => {
    try {
      parseEnv(schema, { PORT: 'eighty', LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: '5' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems).toEqual(
        expect.arrayContaining([
          'NAME: required',
          expect.stringMatching(/^PORT: /),
          expect.stringMatching(/^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent$/),
          expect.stringMatching(/^SHUTDOWN_TIMEOUT_MS: /),
        ]),
      );
    }
  });

  it('freezes deeply', () => {
    const frozen = deepFreeze({ a: { b: 1 } });
    expect(Object.isFrozen(frozen.a)).toBe(true);
  });
});
