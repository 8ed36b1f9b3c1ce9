/**
 * The reference web app (web/) as the gateway serves it: built with Vite into web/dist
 * whenever its sources (or the SDK it is built on) are newer than the last build, so
 * `npm start` and the browser tests need no extra command.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const webAppDir = join(root, 'web');
export const webAppDist = join(webAppDir, 'dist');
const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'packages/client/src'];

async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestChange(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

/** Builds web/dist unless it is newer than every source; answers whether it built. */
export async function ensureWebAppBuilt(): Promise<boolean> {
  const built = (await stat(join(webAppDist, 'index.html')).catch(() => undefined))?.mtimeMs ?? 0;
  const changed = Math.max(...(await Promise.all(sources.map((source) => newestChange(join(root, source))))));
  if (built > changed) return false;
  await buildWebApp();
  return true;
}

export async function buildWebApp(): Promise<void> {
  const { build } = await import('vite');
  await build({ root: webAppDir, configFile: join(webAppDir, 'vite.config.ts'), logLevel: 'warn' });
}
