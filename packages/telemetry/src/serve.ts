import type { AddressInfo } from 'node:net';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A service's own HTTP server for Prometheus: `GET /metrics` and nothing
 * else. Port 0 picks a free port (tests).
 */
// `node:http` is loaded here, not at the top: this module is imported with the
// telemetry package, before startTelemetry patches http for everything loaded later.
export async function serveMetrics(options: {
  host: string;
  port: number;
  metricsText: () => Promise<string>;
}): Promise<MetricsServer> {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    options.metricsText().then(
      (text) => response.writeHead(200, { 'content-type': PROMETHEUS_TEXT }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics collection failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // Scrapes are short; a scraper's kept-alive connection must not hold shutdown.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The Prometheus text exposition format's content type. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
