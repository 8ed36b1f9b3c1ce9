import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { configKeys, defaultMetricsPorts, processNames, secretKeys } from './processes';

const run = promisify(execFile);
// Each test runs helm or docker-compose, seconds apiece on a busy machine.
vi.setConfig({ testTimeout: 30_000 });
const root = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Compose = any;

/** Debian's docker-compose resolves the files offline; no container engine is needed. */
async function composeConfig(env: Record<string, string>): Promise<Compose> {
  const { stdout } = await run(
    'docker-compose',
    ['-f', 'docker-compose.yml', '-f', 'docker-compose.observability.yml', 'config'],
    { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
  );
  return parse(stdout);
}

const secret = 'a-compose-test-secret-of-at-least-32-chars';
const infrastructure = ['nats', 'postgres'];
const observability = ['otel-collector', 'jaeger', 'prometheus', 'grafana'];

describe('docker-compose.yml with docker-compose.observability.yml', () => {
  let compose: Compose;
  let unavailable: string | undefined;

  beforeAll(async () => {
    // Loads each process's config module once, before the tests that read them.
    await Promise.all(processNames.map(configKeys));
    // Installs Debian's docker-compose when running as root, as CI does.
    try {
      await run('bash', [join(root, 'scripts/ensure-compose.sh')]);
      compose = await composeConfig({ AUTH_JWT_SECRET: secret });
    } catch (error) {
      unavailable = `docker-compose is not available, so the compose files are not checked: ${(error as Error).message}`;
    }
  }, 300_000);

  it('resolves with docker-compose config: every process, NATS, PostgreSQL and the observability stack', (context) => {
    if (unavailable) context.skip(unavailable);
    expect(Object.keys(compose.services).sort()).toEqual(
      [...processNames, ...infrastructure, ...observability].sort(),
    );
    for (const name of processNames) {
      expect(compose.services[name].build.args.COMPONENT, name).toBe(name);
    }
  });

  it('refuses to start the gateway without a JWT secret', async (context) => {
    if (unavailable) context.skip(unavailable);
    await expect(composeConfig({})).rejects.toThrow(/AUTH_JWT_SECRET/);
  });

  it("gives each process only environment keys its config reads, and no credentials in the gateway's file", async (context) => {
    if (unavailable) context.skip(unavailable);
    const unknown: Record<string, string[]> = {};
    for (const name of processNames) {
      const known = await configKeys(name);
      const given = Object.keys(compose.services[name].environment);
      unknown[name] = given.filter((key) => !known.has(key));
      // Every service it calls, at that service's own port.
      const addresses = [...known].filter((key) => key.endsWith('_ADDR')).sort();
      expect(given.filter((key) => key.endsWith('_ADDR')).sort(), name).toEqual(addresses);
      for (const key of addresses) {
        const [host, port] = compose.services[name].environment[key].split(':');
        expect(compose.services[host].environment.GRPC_PORT, key).toBe(port);
      }
    }
    expect(unknown).toEqual(Object.fromEntries(processNames.map((name) => [name, []])));
    // The JWT secret is the caller's, never a default written in the file.
    expect(read('docker-compose.yml')).not.toMatch(/AUTH_JWT_SECRET:\s*\$\{AUTH_JWT_SECRET:-/);
    expect(secretKeys).toContain('AUTH_JWT_SECRET');
  });

  it("names the chat service's own settings (X2, X3, C2, C3) at the defaults its code uses", async (context) => {
    if (unavailable) context.skip(unavailable);
    // The audit service reads only the keys every service reads: the rest are chat's own.
    const common = await configKeys('audit');
    const own = [...(await configKeys('chat'))].filter((key) => !common.has(key));
    const environment = compose.services.chat.environment;
    expect(own.filter((key) => !(key in environment))).toEqual([]);
    const { loadConfig } = await import('../../../services/chat/src/config');
    const fromCompose = loadConfig(environment);
    const defaults = loadConfig({});
    for (const section of ['scheduler', 'retention', 'exports', 'search', 'meetings'] as const) {
      expect(fromCompose[section], section).toEqual(defaults[section]);
    }
    expect(fromCompose.attachments.maxBytes).toBe(defaults.attachments.maxBytes);
  });

  it('checks the health of NATS and PostgreSQL, and starts each process only once what it needs is healthy', (context) => {
    if (unavailable) context.skip(unavailable);
    for (const name of infrastructure) expect(compose.services[name].healthcheck.test, name).toBeDefined();
    for (const name of processNames) {
      const dependsOn = compose.services[name].depends_on;
      expect(dependsOn.nats, name).toEqual({ condition: 'service_healthy' });
      if (name !== 'gateway') expect(dependsOn.postgres, name).toEqual({ condition: 'service_healthy' });
    }
    const gatewayNeeds = Object.entries(compose.services.gateway.depends_on)
      .filter(([, dependency]) => (dependency as { condition: string }).condition === 'service_healthy')
      .map(([name]) => name);
    expect(gatewayNeeds.sort()).toEqual(
      processNames
        .filter((name) => name !== 'gateway')
        .concat('nats')
        .sort(),
    );
  });

  it('limits the memory of every container', (context) => {
    if (unavailable) context.skip(unavailable);
    for (const [name, service] of Object.entries<Compose>(compose.services)) {
      expect(service.mem_limit, name).toBeDefined();
    }
  });

  it('gives each service its own database and login, created by the init script', (context) => {
    if (unavailable) context.skip(unavailable);
    const init = read('deploy/postgres/init-databases.sql');
    const databases = new Set<string>();
    for (const name of processNames.filter((candidate) => candidate !== 'gateway')) {
      const url = new URL(compose.services[name].environment.DATABASE_URL);
      const [user, database] = [url.username, url.pathname.slice(1)];
      databases.add(database);
      expect(init).toContain(`CREATE ROLE ${user} LOGIN PASSWORD '${url.password}';`);
      expect(init).toContain(`CREATE DATABASE ${database} OWNER ${user};`);
    }
    expect(databases.size).toBe(processNames.length - 1);
  });

  it('keeps attachments on a volume where the chat service looks for them', (context) => {
    if (unavailable) context.skip(unavailable);
    const chat = compose.services.chat;
    // docker-compose v1 prints volumes as `source:target:mode`.
    const mounts = chat.volumes.map((volume: string) => volume.split(':'));
    expect(mounts).toContainEqual(['attachments', chat.environment.ATTACHMENTS_DIR, 'rw']);
    expect(Object.keys(compose.volumes)).toContain('attachments');
  });

  it('sends every process’s spans to the collector, which passes them to Jaeger; Prometheus scrapes every process', (context) => {
    if (unavailable) context.skip(unavailable);
    for (const name of processNames) {
      expect(compose.services[name].environment.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe(
        'http://otel-collector:4318',
      );
    }
    const collector = parse(read('deploy/otel-collector.yaml'));
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(collector.service.pipelines.traces.exporters).toEqual(['otlp/jaeger']);
    expect(collector.exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317');
    const jaeger = parse(read('deploy/jaeger.yaml'));
    expect(jaeger.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');

    const targets = parse(read('deploy/prometheus.yml')).scrape_configs.flatMap((job: Compose) =>
      job.static_configs.flatMap((config: Compose) => config.targets),
    );
    const expected = processNames.map((name) => {
      const environment = compose.services[name].environment;
      return `${name}:${name === 'gateway' ? environment.PORT : environment.METRICS_PORT}`;
    });
    expect(targets.sort()).toEqual(expected.sort());
    for (const [name, port] of Object.entries(defaultMetricsPorts)) {
      expect(compose.services[name].environment.METRICS_PORT, name).toBe(String(port));
    }
  });
});

describe('deploy/grafana/dashboards/huddle.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/huddle.json'));
  const expressions: string[] = dashboard.panels.flatMap((panel: Compose) =>
    (panel.targets ?? []).map((target: Compose) => target.expr),
  );

  it.each([
    'huddle_http_request_duration_seconds',
    'huddle_grpc_server_duration_seconds',
    'huddle_event_loop_delay_p99_seconds',
    'huddle_event_loop_utilization',
    'huddle_db_pool_connections',
    'huddle_outbox_backlog',
    'huddle_outbox_oldest_age_seconds',
    'huddle_consumer_pending',
    'huddle_consumer_redeliveries_total',
    'huddle_realtime_sockets',
    'huddle_realtime_deliveries_total',
    'huddle_messages_posted_total',
  ])('charts %s', (metric) => {
    expect(expressions.some((expression) => expression.includes(metric))).toBe(true);
  });

  it('queries the provisioned Prometheus data source', () => {
    const provisioned = parse(read('deploy/grafana/provisioning/datasources/prometheus.yaml'));
    for (const panel of dashboard.panels.filter((candidate: Compose) => candidate.type !== 'row')) {
      expect(panel.datasource.uid).toBe(provisioned.datasources[0].uid);
    }
  });
});
