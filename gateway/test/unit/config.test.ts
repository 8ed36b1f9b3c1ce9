import { ConfigError } from '@huddle/config';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';

describe('gateway config', () => {
  it('applies the documented defaults, nested and frozen', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: secret });
    expect(config).toEqual({
      logLevel: 'info',
      http: { host: '0.0.0.0', port: 8080 },
      auth: { jwtSecret: secret, jwksUrl: undefined, issuer: undefined, audience: undefined },
      rateLimit: { callerPerMinute: 600, practicePerMinute: 1_800, burstSeconds: 10, practiceMaxInFlight: 8 },
      attachments: { maxBytes: 10 * 1024 * 1024 },
      stream: { maxSocketsPerPerson: 20 },
      webApp: { dir: undefined, devSignIn: false },
      loadShedding: { maxEventLoopDelayMs: 1000, maxEventLoopUtilization: 0.98 },
      services: {
        chat: '127.0.0.1:50051',
        participant: '127.0.0.1:50052',
        sharingPolicy: '127.0.0.1:50053',
        notification: '127.0.0.1:50054',
        audit: '127.0.0.1:50055',
      },
      nats: { url: 'nats://127.0.0.1:4222' },
      shutdownTimeoutMs: 10_000,
      telemetry: { otlpEndpoint: undefined },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('converts numbers and accepts a JWKS URL instead of a secret', () => {
    const config = loadConfig({
      AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://id.example/',
      PORT: '9000',
      RATE_LIMIT_PER_MINUTE: '60',
      RATE_LIMIT_PRACTICE_PER_MINUTE: '120',
      PRACTICE_MAX_IN_FLIGHT: '3',
      STREAM_MAX_SOCKETS_PER_PERSON: '5',
    });
    expect(config.http.port).toBe(9000);
    expect(config.rateLimit).toEqual({
      callerPerMinute: 60,
      practicePerMinute: 120,
      burstSeconds: 10,
      practiceMaxInFlight: 3,
    });
    expect(config.stream.maxSocketsPerPerson).toBe(5);
    expect(config.auth).toMatchObject({
      jwksUrl: 'https://id.example/.well-known/jwks.json',
      jwtSecret: undefined,
    });
  });

  it('names both auth keys when neither is set, alongside every other bad key', () => {
    try {
      loadConfig({ PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('AUTH_JWT_SECRET, AUTH_JWKS_URL');
      expect(problems).toContain('PORT');
    }
  });

  it('refuses a socket cap below 1 or not a number', () => {
    for (const cap of ['0', '-1', 'many']) {
      expect(() => loadConfig({ AUTH_JWT_SECRET: secret, STREAM_MAX_SOCKETS_PER_PERSON: cap })).toThrow(
        /STREAM_MAX_SOCKETS_PER_PERSON/,
      );
    }
  });

  it('refuses an HS256 secret shorter than 256 bits', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'short' })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('turns the development sign-in on only beside an HS256 secret it can sign with', () => {
    expect(loadConfig({ AUTH_JWT_SECRET: secret, DEV_SIGN_IN: 'true' }).webApp.devSignIn).toBe(true);
    expect(() =>
      loadConfig({ AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json', DEV_SIGN_IN: 'true' }),
    ).toThrow(/DEV_SIGN_IN/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: secret, DEV_SIGN_IN: 'maybe' })).toThrow(/DEV_SIGN_IN/);
  });
});
