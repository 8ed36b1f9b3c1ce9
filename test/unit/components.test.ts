import { describe, expect, it } from 'vitest';
import { readinessUrl, serviceEnv, services } from '../../scripts/lib/components';

const chat = services.find((service) => service.name === 'chat')!;

describe('serviceEnv', () => {
  it('gives each service its default ports and its own embedded database', () => {
    const env = serviceEnv(chat, {
      NATS_URL: 'nats://127.0.0.1:4222',
      GRPC_PORT: '9999',
      METRICS_PORT: '9999',
      DATABASE_URL: 'postgres://shared',
    });
    expect(env).toEqual({ NATS_URL: 'nats://127.0.0.1:4222', GRPC_PORT: '50051' });
  });

  it('passes METRICS_PORT=0 through: each service picks a free metrics port of its own', () => {
    expect(serviceEnv(chat, { METRICS_PORT: '0' }).METRICS_PORT).toBe('0');
  });

  it('listens on the port its *_ADDR tells the other services to call', () => {
    expect(serviceEnv(chat, { CHAT_ADDR: '127.0.0.1:6001' }).GRPC_PORT).toBe('6001');
    expect(
      serviceEnv(chat, { CHAT_ADDR: 'localhost:6002', PARTICIPANT_ADDR: '127.0.0.1:7000' }).GRPC_PORT,
    ).toBe('6002');
  });

  it('knows every service by its own default port', () => {
    expect(services.map((service) => [service.name, service.defaultPort])).toEqual([
      ['chat', 50051],
      ['participant', 50052],
      ['sharing-policy', 50053],
      ['notification', 50054],
      ['audit', 50055],
    ]);
  });
});

describe('readinessUrl', () => {
  it('reaches a gateway listening on every interface through loopback', () => {
    expect(readinessUrl({})).toBe('http://127.0.0.1:8080/readyz');
    expect(readinessUrl({ HOST: '0.0.0.0', PORT: '9000' })).toBe('http://127.0.0.1:9000/readyz');
    expect(readinessUrl({ HOST: '::' })).toBe('http://127.0.0.1:8080/readyz');
  });

  it('uses a specific listen address as it is', () => {
    expect(readinessUrl({ HOST: '10.0.0.5', PORT: '80' })).toBe('http://10.0.0.5/readyz');
    expect(readinessUrl({ HOST: '::1' })).toBe('http://[::1]:8080/readyz');
  });
});
