/**
 * `node --import tsx scripts/lib/embedded-template.ts <DATA_DIR>`: makes the
 * empty PGlite cluster the services' new databases start as a copy of
 * (`createEmbeddedTemplate`, packages/db). The launcher runs it as a process
 * of its own, once, when a service's database is still to be made: initdb
 * grows PGlite's memory to several hundred MB, which goes away with the process.
 */
import { createEmbeddedTemplate, embeddedTemplateDir } from '@huddle/db';

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: embedded-template.ts <DATA_DIR>');
await createEmbeddedTemplate(embeddedTemplateDir(dataDir));
