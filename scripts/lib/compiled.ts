/**
 * The compiled processes (`<workspace>/dist/main.js`, from `npm run build`) and
 * whether they are current: a dist is stale when it is missing or older than
 * any file of the sources it bundles (its workspace's `src` and every
 * `packages/*\/src`). `npm start` and the bench run the compiled processes,
 * building them first when stale, as the web app is built on the way up.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildTarget, buildTargets } from './components';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The newest change under `path`: a file written, or one added or removed (its folder's time). */
function newestChange(path: string): number {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestChange(join(path, entry))),
    info.mtimeMs,
  );
}

const builtAt = (target: BuildTarget) => newestChange(join(root, target.workspace, 'dist/main.js'));

/** The build targets whose dist is missing or older than their sources. */
export function staleTargets(): BuildTarget[] {
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src'));
  const shared = Math.max(...packages.map(newestChange));
  return buildTargets.filter((target) => {
    const built = builtAt(target);
    return built === 0 || built < Math.max(shared, newestChange(join(root, target.workspace, 'src')));
  });
}

/** Builds the stale dists (see scripts/build.ts); answers the names of those it built. */
export async function ensureCompiled(): Promise<string[]> {
  const stale = staleTargets();
  if (stale.length === 0) return [];
  const { buildTarget } = await import('../build');
  await Promise.all(stale.map(buildTarget));
  return stale.map((target) => target.name);
}
