import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../../src';

/** Speaks just enough of the NATS protocol to read the server's INFO line. */
function serverInfo(url: string): Promise<{ jetstream?: boolean; port: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      const line = /^INFO (.*)\r\n/.exec(received);
      if (!line) return;
      socket.destroy();
      resolve(JSON.parse(line[1]!));
    });
    socket.on('error', reject);
  });
}

function canConnect(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startNatsServer', () => {
  it('runs an isolated JetStream server per call and removes it on stop', async () => {
    const [first, second] = await Promise.all([startNatsServer(), startNatsServer()]);
    try {
      expect(first.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(first.url).not.toBe(second.url);
      const info = await serverInfo(first.url);
      expect(info.jetstream).toBe(true);
      expect(`nats://127.0.0.1:${info.port}`).toBe(first.url);
    } finally {
      await second.stop();
    }

    await first.stop();

    expect(await canConnect(first.url)).toBe(false);
    expect(await first.exited).toBe(0);
  });

  it('keeps a store folder it was given', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const storeDir = await mkdtemp(join(tmpdir(), 'huddle-nats-kept-'));
    const server = await startNatsServer({ storeDir });
    await server.stop();
    expect(existsSync(join(storeDir, 'jetstream'))).toBe(true);
    await rm(storeDir, { recursive: true, force: true });
  });
});
