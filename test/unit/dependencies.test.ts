import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule (CONTRIBUTING.md), checked on the import graph of the
 * shipped code (`src/` of the gateway, services and packages; tests may import
 * anything). Type-only and dynamic imports count: an arrow is an arrow.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A service's layers, lowest first; a file imports only its own layer and
 * lower ones, except that the store implements the use-cases' ports
 * (`app/ports.ts`), so it may import those interfaces. `rpc/` (gRPC in and clients out), `events/` (consumers) and `adapters/`
 * (other outbound I/O: HTTP, SMTP) are the adapters around the use-cases; `service.ts` wires them; `main.ts` runs it.
 * `config.ts` is read by any layer and reads none.
 */
const serviceLayers: Record<string, number> = {
  domain: 0,
  store: 1,
  app: 2,
  rpc: 3,
  events: 3,
  adapters: 3,
  service: 4,
  main: 5,
};

/** `domain`, `store`, … for a file under services/<name>/src; undefined for config.ts. */
function serviceLayer(path: string): string | undefined {
  const [, , , first] = path.split('/');
  if (first === undefined) return undefined;
  if (first === 'main.ts') return 'main';
  if (first === 'config.ts') return undefined;
  // Other top-level files (service.ts, notification's outbound.ts) wire the service.
  if (first.endsWith('.ts')) return 'service';
  return first;
}

function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.split('/').includes('node_modules'))
    .map((name) => relative(root, join(folder, name)));
}

/** `app/ports.ts` and the like: interfaces the use-cases need, which adapters implement. */
const isPort = (path: string) => /^services\/[^/]+\/src\/app\/([^/]+-)?ports\.ts$/.test(path);

const workspaces = [
  'gateway',
  ...['packages', 'services'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => `${group}/${name}`),
  ),
];
/** Workspace folder by package name (`@huddle/chat` → services/chat). */
const workspaceOf = new Map(
  workspaces.map((folder) => [
    JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')).name as string,
    folder,
  ]),
);
const files = workspaces.flatMap((folder) => sourceFiles(join(root, folder, 'src')));

/** The repository path an import names: a file for relative ones, a workspace folder for `@huddle/*`. */
function target(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const base = resolve(root, dirname(from), specifier);
    for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
    }
    return relative(root, base);
  }
  const name = specifier.split('/').slice(0, 2).join('/');
  return workspaceOf.get(name);
}

const graph = new Map(
  files.map((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const targets = importedFiles.map(({ fileName }) => target(file, fileName));
    return [file, [...new Set(targets.filter((path): path is string => path !== undefined))]];
  }),
);

const workspaceOfPath = (path: string) =>
  path
    .split('/')
    .slice(0, path.startsWith('gateway') ? 1 : 2)
    .join('/');

/** Arrows that break `rule`, as "from → to" lines. */
function violations(rule: (from: string, to: string) => boolean): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) if (rule(from, to)) found.push(`${from} → ${to}`);
  }
  return found;
}

describe('dependency rule', () => {
  it('sees the code it checks', () => {
    expect(files).toContain('services/chat/src/app/messages.ts');
    expect(graph.get('services/chat/src/rpc/handlers.ts')).toContain('services/chat/src/app/messages.ts');
  });

  it('no service imports another service', () => {
    expect(
      violations(
        (from, to) =>
          from.startsWith('services/') &&
          to.startsWith('services/') &&
          workspaceOfPath(from) !== workspaceOfPath(to),
      ),
    ).toEqual([]);
  });

  it('packages import no service and not the gateway', () => {
    expect(
      violations(
        (from, to) =>
          from.startsWith('packages/') && (to.startsWith('services/') || to.startsWith('gateway')),
      ),
    ).toEqual([]);
  });

  it('the gateway imports no service code (it calls services over gRPC)', () => {
    expect(violations((from, to) => from.startsWith('gateway/') && to.startsWith('services/'))).toEqual([]);
  });

  it('within a service, a layer imports only its own and lower layers (domain → store → app → rpc/events → service → main)', () => {
    expect(
      violations((from, to) => {
        if (!from.startsWith('services/') || workspaceOfPath(from) !== workspaceOfPath(to)) return false;
        const [fromLayer, toLayer] = [serviceLayer(from), serviceLayer(to)];
        if (fromLayer === undefined || toLayer === undefined) return false;
        // Ports are the use-cases' side of the boundary: the store implements them.
        if (fromLayer === 'store' && isPort(to)) return false;
        return (serviceLayers[toLayer] ?? 0) > (serviceLayers[fromLayer] ?? 0);
      }),
    ).toEqual([]);
  });

  it('use-cases depend on ports, not on the store: app/ imports no store/ module (the service wires them)', () => {
    expect(
      violations(
        (from, to) =>
          from.startsWith('services/') &&
          serviceLayer(from) === 'app' &&
          workspaceOfPath(from) === workspaceOfPath(to) &&
          serviceLayer(to) === 'store',
      ),
    ).toEqual([]);
  });

  it('in the gateway only app.ts registers routes, only server.ts builds the app (and documents.ts, for its documents, never listening) and only main.ts runs the server', () => {
    expect(
      violations(
        (from, to) =>
          from.startsWith('gateway/') &&
          ((to.startsWith('gateway/src/routes/') &&
            !from.startsWith('gateway/src/routes/') &&
            from !== 'gateway/src/app.ts') ||
            (to === 'gateway/src/app.ts' &&
              from !== 'gateway/src/server.ts' &&
              from !== 'gateway/src/documents.ts') ||
            (to === 'gateway/src/server.ts' && from !== 'gateway/src/main.ts')),
      ),
    ).toEqual([]);
  });

  it('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
