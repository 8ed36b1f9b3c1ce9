import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileStore } from '../app/ports';

/** Files on a volume; written to a temporary name and renamed, so a reader never sees half a file. */
export function filesystemStore(directory: string): FileStore {
  const pathOf = (key: string) => join(directory, key.slice(0, 2), key);
  return {
    async put(key, data) {
      const path = pathOf(key);
      await mkdir(join(directory, key.slice(0, 2)), { recursive: true });
      const partial = `${path}.${randomUUID()}.partial`;
      await writeFile(partial, data);
      await rename(partial, path);
    },
    get: (key) => readFile(pathOf(key)),
    delete: (key) => rm(pathOf(key), { force: true }),
  };
}
