import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from '../../src/index';

/**
 * A stand-in OTLP/HTTP collector on a raw socket, so that it is not traced
 * itself; keeps every request body it receives.
 */
async function startCollector() {
  const bodies: string[] = [];
  const server = createServer((socket) => {
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      const headerEnd = received.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = received.slice(0, headerEnd);
      const body = received.slice(headerEnd + 4);
      const complete = /transfer-encoding: chunked/i.test(head)
        ? body.endsWith('0\r\n\r\n')
        : Buffer.byteLength(body) >= Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (!complete) return;
      bodies.push(body);
      received = '';
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() };
}

describe('startTelemetry with an OTLP endpoint', () => {
  it('exports HTTP spans without headers or tokens', async () => {
    const collector = await startCollector();
    const telemetry = startTelemetry({ serviceName: 'telemetry-test', otlpEndpoint: collector.url });
    // Loaded after startTelemetry, as services load their code, so the instrumentation patches it.
    const http = await import('node:http');
    const server = http.createServer((_request, response) => response.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get(
          `http://127.0.0.1:${port}/v1/stream?access_token=secret-token`,
          { headers: { authorization: 'Bearer header-token' } },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode));
          },
        )
        .on('error', reject);
    });
    server.close();
    // Shutting down flushes the batched spans to the collector.
    await telemetry.shutdown();
    collector.close();

    expect(status).toBe(200);
    const exported = collector.bodies.join('\n');
    expect(exported).toContain('"stringValue":"telemetry-test"');
    expect(exported).toContain('/v1/stream');
    expect(exported).not.toContain('secret-token');
    expect(exported).not.toContain('header-token');
  });
});
