import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkHealth } from '@huddle/grpc';
import {
  type FreshDatabase,
  freshDatabase,
  mintToken,
  type NatsServer,
  startNatsServer,
} from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTarget } from '../../scripts/build';
import { buildTargets, services } from '../../scripts/lib/components';
import { freePort } from '../support/ports';

const root = fileURLToPath(new URL('../..', import.meta.url));
const secret = 'compiled-gateway-secret-of-at-least-32-chars';

/** Polls `check` until it holds; fails with what the process printed if it exits or time runs out. */
async function until(check: () => Promise<boolean>, child: ChildProcess, output: () => string) {
  // Generous: on a busy machine five processes apply migrations and connect at once.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}):\n${output()}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready in time:\n${output()}`);
}

/** The image's HEALTHCHECK command for one process: true when it exits 0. */
function healthcheck(workspace: string, env: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/healthcheck.js'], { cwd: join(root, workspace), env }, (error) =>
      resolve(!error),
    );
  });
}

/** Runs a compiled entry point the way the image does: plain node, no tsx. */
function runCompiled(workspace: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    cwd: join(root, workspace),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return { child, output: () => output };
}

describe('the compiled processes the image runs', () => {
  let nats: NatsServer;
  // Stands in for the OpenTelemetry Collector: what each process exported over OTLP/HTTP.
  const exported: string[] = [];
  const collector = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/v1/traces') exported.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let otlpEndpoint: string;
  const databases: FreshDatabase[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await Promise.all(buildTargets.map(buildTarget));
    nats = await startNatsServer();
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    otlpEndpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }),
    );
    collector.close();
    await Promise.all([...databases.map((database) => database.drop()), nats?.stop()]);
  });

  it('start from dist/main.js with node alone: every service SERVING, then the gateway ready, as their health checks say, with their spans exported', async () => {
    const ports = await Promise.all(services.map(freePort));
    const addresses = Object.fromEntries(
      services.map((service, i) => [service.addressVariable, `127.0.0.1:${ports[i]}`]),
    );
    const running = await Promise.all(
      services.map(async (service, i) => {
        const database = await freshDatabase(`compiled_${service.name.replace('-', '_')}`);
        databases.push(database);
        const process = runCompiled(`services/${service.name}`, {
          ...addresses,
          NATS_URL: nats.url,
          DATABASE_URL: database.url,
          GRPC_PORT: String(ports[i]),
          // Any free port: the defaults belong to `npm start`, which another test file may be running.
          METRICS_PORT: '0',
          OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
        });
        children.push(process.child);
        return process;
      }),
    );
    await Promise.all(
      running.map(({ child, output }, i) => until(() => checkHealth(`127.0.0.1:${ports[i]}`), child, output)),
    );

    const gatewayPort = await freePort();
    const gateway = runCompiled('gateway', {
      ...addresses,
      NATS_URL: nats.url,
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      AUTH_JWT_SECRET: secret,
    });
    children.push(gateway.child);
    const readyz = `http://127.0.0.1:${gatewayPort}/readyz`;
    await until(
      () =>
        fetch(readyz).then(
          (response) => response.ok,
          () => false,
        ),
      gateway.child,
      gateway.output,
    );
    const health = await fetch(`http://127.0.0.1:${gatewayPort}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    // Each check has a few seconds, as in the image; a busy machine may need a second try.
    const checks = () =>
      Promise.all([
        healthcheck('gateway', { HUDDLE_COMPONENT: 'gateway', PORT: String(gatewayPort), HOST: '127.0.0.1' }),
        ...services.map((service, i) =>
          healthcheck(`services/${service.name}`, {
            HUDDLE_COMPONENT: service.name,
            GRPC_PORT: String(ports[i]),
          }),
        ),
      ]);
    await expect.poll(checks, { timeout: 30_000 }).toEqual([true, ...services.map(() => true)]);

    // Traffic that reaches every service through the gateway, so each has spans to export.
    const call = async (token: string, method: string, path: string, body?: unknown) =>
      (
        await fetch(`http://127.0.0.1:${gatewayPort}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      ).status;
    const platform = await mintToken({
      secret,
      sub: 'svc:platform',
      practice: 'p1',
      scope: 'directory:write',
    });
    expect(await call(platform, 'PUT', '/v1/practices/p1', { name: 'Practice', plan: 'team' })).toBe(201);
    const person = { kind: 'practitioner', firstName: 'Dana', lastName: 'Reyes', teamRole: 'owner' };
    expect(await call(platform, 'PUT', '/v1/practices/p1/people/dana', person)).toBe(201);
    const dana = await mintToken({ secret, sub: 'dana', practice: 'p1' });
    expect(await call(dana, 'GET', '/v1/chats')).toBe(200);
    expect(await call(dana, 'GET', '/v1/notifications')).toBe(200);

    // SIGTERM (what tini forwards in the container) stops each process cleanly: the gateway, then the services.
    const stopped = async (child: ChildProcess) => {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code;
    };
    expect(await stopped(gateway.child)).toBe(0);
    expect(
      await healthcheck('gateway', {
        HUDDLE_COMPONENT: 'gateway',
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
      }),
    ).toBe(false);
    expect(await Promise.all(running.map(({ child }) => stopped(child)))).toEqual(services.map(() => 0));

    // The loader hook still instruments the bundled code: each service's gRPC spans reached the collector.
    for (const service of services) {
      expect(
        exported.some((body) => body.includes(`huddle-${service.name}`)),
        service.name,
      ).toBe(true);
    }
  }, 300_000);
});
