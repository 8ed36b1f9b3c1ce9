/**
 * `npm run build`: compiles each process to JavaScript in `<workspace>/dist`,
 * for the container image (no tsx at run time). The workspace packages
 * (`@huddle/*`, TypeScript sources) are bundled in; every other package stays
 * an import resolved from node_modules at run time, so the OpenTelemetry loader
 * hook still sees `@grpc/grpc-js` and `http` load. Code splitting keeps each
 * `await import()` of main.ts a separate chunk, so telemetry starts before the
 * modules it patches load, as it does under tsx. Each dist also gets the
 * image's health check (scripts/healthcheck.ts).
 */
import { cp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { type BuildTarget, buildTargets } from './lib/components';
import { buildWebApp } from './lib/web-app';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bare imports other than the workspace's own packages are left to Node. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@huddle/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Builds into a folder of its own and then swaps it in, so a process starting
 * from `dist` meanwhile (a second `npm start` building at the same moment)
 * never finds it half written.
 */
export async function buildTarget(target: BuildTarget): Promise<void> {
  const workspace = join(root, target.workspace);
  const dist = join(workspace, 'dist');
  const outdir = join(workspace, `.dist-${process.pid}`);
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { main: join(workspace, target.entry), healthcheck: join(root, 'scripts/healthcheck.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    plugins: [externalPackages],
    logLevel: 'warning',
  });
  // Migrations are found beside the code (`new URL('./store/migrations', import.meta.url)`),
  // and every chunk lands at the top of dist.
  if (target.migrations) {
    await cp(join(workspace, target.migrations), join(outdir, 'store/migrations'), { recursive: true });
  }
  const previous = join(workspace, `.dist-old-${process.pid}`);
  await rename(dist, previous).catch(() => undefined);
  await rename(outdir, dist);
  await rm(previous, { recursive: true, force: true });
}

const isEntryPoint = process.argv[1] === fileURLToPath(import.meta.url);
if (isEntryPoint) {
  const only = process.argv.slice(2);
  const chosen = only.length > 0 ? buildTargets.filter((t) => only.includes(t.name)) : buildTargets;
  if (chosen.length === 0 && !only.includes('web')) throw new Error(`unknown component: ${only.join(', ')}`);
  await Promise.all(chosen.map(buildTarget));
  if (chosen.length > 0) console.log(`built ${chosen.map((t) => `${t.workspace}/dist/main.js`).join(', ')}`);
  // The web app the gateway serves at /app (WEB_APP_DIR), built with everything or by name.
  if (only.length === 0 || only.includes('web')) {
    await buildWebApp();
    console.log('built web/dist');
  }
}
