import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type KubeTools, kubeTools } from '../../../scripts/kube-tools';
import { configKeys, defaultMetricsPorts, defaultPort, processNames, secretKeys } from './processes';

const run = promisify(execFile);
// Each test runs helm or docker-compose, seconds apiece on a busy machine.
vi.setConfig({ testTimeout: 30_000 });
const root = fileURLToPath(new URL('../../..', import.meta.url));
const chart = join(root, 'charts/huddle');
const kubeVersion = '1.31.0';

type Manifest = any;

/** Validators generated from the Kubernetes OpenAPI schemas, by apiVersion/kind. */
const models: Record<string, new (data: Manifest) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};
/** Custom resources of operators the chart works with; checked by the assertions below. */
const customResources = ['postgresql.cnpg.io/v1/Cluster', 'monitoring.coreos.com/v1/ServiceMonitor'];

const valueSets = [
  { name: 'values.yaml', files: [] as string[] },
  ...readdirSync(join(chart, 'ci'))
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => ({ name: `ci/${file}`, files: [join(chart, 'ci', file)] })),
];

let tools: KubeTools;
beforeAll(async () => {
  tools = await kubeTools();
  // Loads each process's config module once, before the tests that read them.
  await Promise.all(processNames.map(configKeys));
}, 60_000);

async function helm(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(tools.helm, args, { maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

const valuesArgs = (files: string[]) => files.flatMap((file) => ['-f', file]);

async function render(files: string[], extra: string[] = []): Promise<Manifest[]> {
  const result = await helm([
    'template',
    'huddle',
    chart,
    '--kube-version',
    kubeVersion,
    ...valuesArgs(files),
    ...extra,
  ]);
  if (!result.ok) throw new Error(result.output);
  return parseAllDocuments(result.output)
    .map((document) => document.toJS())
    .filter(Boolean);
}

const typeOf = (object: Manifest) => `${object.apiVersion}/${object.kind}`;
const component = (object: Manifest) =>
  object.metadata?.labels?.['app.kubernetes.io/component'] ??
  object.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'];
const ofKind = (objects: Manifest[], kind: string) => objects.filter((object) => object.kind === kind);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.each(valueSets)('charts/huddle with $name', ({ files }) => {
  let objects: Manifest[];
  let values: Manifest;
  beforeAll(async () => {
    objects = await render(files);
    values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8'));
    for (const file of files) {
      const overrides = parse(readFileSync(file, 'utf8'));
      values = { ...values, ...overrides, defaults: { ...values.defaults, ...overrides.defaults } };
    }
  }, 60_000);

  it('passes helm lint --strict against Kubernetes 1.31', async () => {
    const result = await helm([
      'lint',
      '--strict',
      chart,
      '--kube-version',
      kubeVersion,
      ...valuesArgs(files),
    ]);
    expect(result.output).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.ok).toBe(true);
  });

  it('renders only objects that validate against the Kubernetes schemas', () => {
    const problems: string[] = [];
    for (const object of objects) {
      const type = typeOf(object);
      const Model = models[type];
      if (!Model) {
        if (!customResources.includes(type)) problems.push(`${type} ${object.metadata?.name}: no schema`);
        continue;
      }
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${type} ${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('renders every process with its Deployment, Service, ServiceAccount, ConfigMap, PDB and NetworkPolicy', () => {
    for (const kind of [
      'Deployment',
      'Service',
      'ServiceAccount',
      'ConfigMap',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]) {
      expect(ofKind(objects, kind).map(component).sort(), kind).toEqual([...processNames].sort());
    }
    const autoscaled = ofKind(objects, 'HorizontalPodAutoscaler').map(component).sort();
    expect(autoscaled).toEqual(values.defaults.autoscaling.enabled ? [...processNames].sort() : []);
  });

  it('gives every container probes, resource limits and the restricted security context', () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      const tmp = pod.volumes.find((volume: Manifest) => volume.name === 'tmp');
      expect(tmp.emptyDir).toBeDefined();
      for (const container of pod.containers) {
        const where = `${deployment.metadata.name}/${container.name}`;
        expect(container.startupProbe, where).toBeDefined();
        expect(container.livenessProbe, where).toBeDefined();
        expect(container.readinessProbe, where).toBeDefined();
        expect(container.resources.limits, where).toMatchObject({
          cpu: expect.anything(),
          memory: expect.anything(),
        });
        expect(container.resources.requests, where).toMatchObject({
          cpu: expect.anything(),
          memory: expect.anything(),
        });
        expect(container.securityContext, where).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(container.volumeMounts, where).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      }
    }
  });

  it('probes the gateway over HTTP and the services with native gRPC health checks on their ports', () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const [container] = deployment.spec.template.spec.containers;
      if (component(deployment) === 'gateway') {
        expect(container.livenessProbe.httpGet.path).toBe('/healthz');
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        expect(container.startupProbe.httpGet.path).toBe('/healthz');
      } else {
        const grpcPort = container.ports.find((port: Manifest) => port.name === 'grpc').containerPort;
        expect(container.readinessProbe.grpc.port).toBe(grpcPort);
        expect(container.startupProbe.grpc.port).toBe(grpcPort);
      }
    }
  });

  it("listens on each process's default ports, and its Service and ConfigMap agree", async () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const name = component(deployment);
      const [container] = deployment.spec.template.spec.containers;
      const ports = Object.fromEntries(
        container.ports.map((port: Manifest) => [port.name, port.containerPort]),
      );
      const config = ofKind(objects, 'ConfigMap').find((map) => component(map) === name).data;
      const service = ofKind(objects, 'Service').find((candidate) => component(candidate) === name);
      const servicePorts = Object.fromEntries(
        service.spec.ports.map((port: Manifest) => [port.name, port.port]),
      );
      if (name === 'gateway') {
        expect(ports).toEqual({ http: await defaultPort(name) });
        expect(config.PORT).toBe(String(ports.http));
        expect(servicePorts).toEqual(ports);
      } else {
        expect(ports).toEqual({ grpc: await defaultPort(name), metrics: defaultMetricsPorts[name] });
        expect([config.GRPC_PORT, config.METRICS_PORT]).toEqual([String(ports.grpc), String(ports.metrics)]);
        expect(servicePorts).toEqual(ports);
      }
    }
  });

  it("sets only keys each process's config knows, and every address it needs", async () => {
    const unknown: Record<string, string[]> = {};
    for (const map of ofKind(objects, 'ConfigMap')) {
      const name = component(map);
      const known = await configKeys(name);
      unknown[name] = Object.keys(map.data).filter((key) => !known.has(key));
      const addresses = [...known].filter((key) => key.endsWith('_ADDR'));
      expect(
        Object.keys(map.data)
          .filter((key) => key.endsWith('_ADDR'))
          .sort(),
        name,
      ).toEqual(addresses.sort());
    }
    expect(unknown).toEqual(Object.fromEntries(processNames.map((name) => [name, []])));
  });

  it('keeps secrets out of ConfigMaps: credentials come from Secrets by reference', () => {
    for (const map of ofKind(objects, 'ConfigMap')) {
      for (const key of secretKeys) expect(map.data, map.metadata.name).not.toHaveProperty(key);
      for (const value of Object.values(map.data)) expect(value).not.toMatch(/:\/\/[^/\s:@]+:[^@\s]+@/);
    }
    for (const deployment of ofKind(objects, 'Deployment')) {
      const [container] = deployment.spec.template.spec.containers;
      for (const variable of container.env ?? []) {
        if (secretKeys.includes(variable.name)) {
          expect(variable.value, variable.name).toBeUndefined();
          expect(variable.valueFrom.secretKeyRef, variable.name).toBeDefined();
        }
      }
      const names = (container.env ?? []).map((variable: Manifest) => variable.name);
      if (component(deployment) !== 'gateway') expect(names).toContain('DATABASE_URL');
      else if (!values.auth.jwksUrl) expect(names).toContain('AUTH_JWT_SECRET');
    }
  });

  it('lets only the gateway take traffic from outside; every pod is selected by a NetworkPolicy', () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    for (const deployment of ofKind(objects, 'Deployment')) {
      const labels = deployment.spec.template.metadata.labels;
      const selecting = policies.filter((policy) => matches(policy.spec.podSelector.matchLabels, labels));
      expect(selecting.length, deployment.metadata.name).toBeGreaterThan(0);
      for (const policy of selecting) {
        expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        const open = policy.spec.ingress.filter((rule: Manifest) => !rule.from);
        expect(open.length > 0, `${policy.metadata.name} open to all`).toBe(
          component(deployment) === 'gateway',
        );
        // An egress rule with an empty `to` list would allow every destination.
        for (const rule of policy.spec.egress) {
          if (rule.to) expect(rule.to.length, policy.metadata.name).toBeGreaterThan(0);
        }
      }
    }
    // The services accept gRPC only from this release's pods.
    for (const policy of policies.filter((candidate) => component(candidate) !== 'gateway')) {
      const grpcRule = policy.spec.ingress.find((rule: Manifest) => rule.ports[0].port === 'grpc');
      expect(grpcRule.from).toEqual([
        {
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'huddle', 'app.kubernetes.io/instance': 'huddle' },
          },
        },
      ]);
    }
  });

  it('drains before stopping: a preStop pause, and a grace period beyond the shutdown deadline', () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const config = ofKind(objects, 'ConfigMap').find(
        (map) => component(map) === component(deployment),
      ).data;
      const pause = container.lifecycle.preStop.sleep.seconds;
      expect(pause).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
        pause + Number(config.SHUTDOWN_TIMEOUT_MS) / 1000,
      );
    }
  });

  it('gives each service its database and the chat service its attachments volume', () => {
    const clusters = ofKind(objects, 'Cluster');
    const services = processNames.filter((name) => name !== 'gateway');
    if (values.database?.mode === 'external') {
      expect(clusters).toEqual([]);
    } else {
      expect(clusters.map((cluster) => cluster.spec.bootstrap.initdb.database).sort()).toEqual(
        services.map((name) => name.replace('-', '_')).sort(),
      );
    }
    const chat = ofKind(objects, 'Deployment').find((deployment) => component(deployment) === 'chat');
    const claim = chat.spec.template.spec.volumes.find((volume: Manifest) => volume.name === 'attachments');
    expect(claim.persistentVolumeClaim.claimName).toBeTruthy();
    const pvc = ofKind(objects, 'PersistentVolumeClaim');
    if (pvc.length > 0) expect(pvc[0].spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('routes the API and the stream through the ingress with long timeouts, never the probes or /metrics', () => {
    for (const ingress of ofKind(objects, 'Ingress')) {
      const paths = ingress.spec.rules.flatMap((rule: Manifest) =>
        rule.http.paths.map((path: Manifest) => path.path),
      );
      expect(paths).toContain('/v1');
      for (const hidden of ['/', '/metrics', '/healthz', '/readyz']) expect(paths).not.toContain(hidden);
      expect(
        Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
      ).toBeGreaterThan(600);
    }
    for (const monitor of ofKind(objects, 'ServiceMonitor')) {
      expect(monitor.spec.endpoints.map((endpoint: Manifest) => endpoint.port).sort()).toEqual([
        'http',
        'metrics',
      ]);
    }
  });
});

describe('charts/huddle upgrades', () => {
  it('rolls the pods when their configuration changes', async () => {
    const [before, after] = await Promise.all([render([]), render([], ['--set', 'logLevel=warn'])]);
    const annotation = (object: Manifest) => object.spec.template.metadata.annotations['checksum/config'];
    for (const deployment of ofKind(before, 'Deployment')) {
      const changed = ofKind(after, 'Deployment').find(
        (other) => other.metadata.name === deployment.metadata.name,
      );
      expect(annotation(deployment)).toMatch(/^[0-9a-f]{64}$/);
      expect(annotation(changed)).not.toBe(annotation(deployment));
    }
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));

  it('closes every object: additionalProperties is false, or a typed map of names to values', () => {
    const open: string[] = [];
    const walk = (node: Manifest, path: string) => {
      if (!node || typeof node !== 'object') return;
      if (node.type === 'object' && node.additionalProperties !== false) {
        if (typeof node.additionalProperties !== 'object' || node.properties) open.push(path);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${path}/${key}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  const badValues: Array<[string, string, RegExp]> = [
    ['an unknown top-level key', 'replicas: 3', /Additional property replicas is not allowed/],
    [
      'an unknown key inside a component',
      'components:\n  chat:\n    replica: 3',
      /Additional property replica/,
    ],
    ['a misspelt default', 'defaults:\n  resource: {}', /Additional property resource/],
    ['a bad database mode', 'database:\n  mode: sqlite', /database\.mode/],
    ['a non-number port', 'components:\n  gateway:\n    port: http', /components\.gateway\.port/],
    ['a bad memory quantity', 'defaults:\n  resources:\n    limits:\n      memory: lots', /limits\.memory/],
    ['a NATS URL of another scheme', 'nats:\n  url: http://nats:4222', /nats\.url/],
  ];

  it.concurrent.for(badValues)('rejects %s', async ([, yaml, message], { expect }) => {
    const folder = await mkdtemp(join(tmpdir(), 'huddle-values-'));
    try {
      const file = join(folder, 'bad.yaml');
      await writeFile(file, yaml);
      const result = await helm(['lint', '--strict', chart, '-f', file]);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(message);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses external databases without their Secret or their network peers', async () => {
    const noSecret = await helm(['template', 'huddle', chart, '--set', 'database.mode=external']);
    expect(noSecret.ok).toBe(false);
    expect(noSecret.output).toContain('database.external.existingSecret is required');
    const noPeers = await helm([
      'template',
      'huddle',
      chart,
      '--set',
      'database.mode=external',
      '--set',
      'database.external.existingSecret=dbs',
    ]);
    expect(noPeers.ok).toBe(false);
    expect(noPeers.output).toContain('database.external.networkPolicyPeers');
  });
});

describe('Tiltfile with deploy/tilt/values.yaml', () => {
  const tiltfile = readFileSync(join(root, 'Tiltfile'), 'utf8');

  it('builds every process and deploys the chart whose images are the ones Tilt builds', async () => {
    const listed = /^components = \[(.*)\]$/m.exec(tiltfile)?.[1];
    expect(listed?.split(',').map((name) => name.trim().replace(/'/g, ''))).toEqual(processNames);
    expect(tiltfile).toContain(
      "k8s_yaml(helm('charts/huddle', name='huddle', values=['deploy/tilt/values.yaml']))",
    );
    const values = join(root, 'deploy/tilt/values.yaml');
    const lint = await helm(['lint', '--strict', chart, '--kube-version', kubeVersion, '-f', values]);
    expect(lint.ok, lint.output).toBe(true);
    const objects = await render([values]);
    const images = ofKind(objects, 'Deployment').map(
      (deployment) => deployment.spec.template.spec.containers[0].image,
    );
    expect(images.sort()).toEqual(processNames.map((name) => `huddle/${name}:dev`).sort());
    // Tilt names each workload's resource after it: huddle-<component>.
    expect(
      ofKind(objects, 'Deployment')
        .map((deployment) => deployment.metadata.name)
        .sort(),
    ).toEqual(processNames.map((name) => `huddle-${name}`).sort());
  });
});

describe('charts/huddle values.yaml names the settings of the chat and audit services', () => {
  let maps: Record<string, Record<string, string>>;
  beforeAll(async () => {
    const objects = await render([]);
    maps = Object.fromEntries(ofKind(objects, 'ConfigMap').map((map) => [component(map), map.data]));
  }, 60_000);

  // DATABASE_URL comes from a Secret; the OTLP endpoint only when telemetry.otlpEndpoint is set.
  const setElsewhere = ['DATABASE_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT'];

  it.each(['chat', 'audit'])(
    'gives %s every key its config reads but DATABASE_URL (a Secret) and the OTLP endpoint',
    async (name) => {
      const wanted = [...(await configKeys(name))].filter((key) => !setElsewhere.includes(key));
      expect(wanted.filter((key) => !(key in maps[name]!))).toEqual([]);
    },
  );

  it("sets the chat service's own settings to the defaults its code uses", async () => {
    const { loadConfig } = await import('../../../services/chat/src/config');
    const fromChart = loadConfig(maps.chat!);
    const defaults = loadConfig({});
    for (const section of ['scheduler', 'retention', 'exports', 'search', 'meetings'] as const) {
      expect(fromChart[section], section).toEqual(defaults[section]);
    }
    expect(fromChart.attachments.maxBytes).toBe(defaults.attachments.maxBytes);
  });
});
