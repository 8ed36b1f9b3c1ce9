import { openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { AuditTrail } from './app/trail';
import { loadConfig } from './config';
import { migrationsFolder } from './service';
import { auditRecordsStore } from './store/records';

/**
 * `npm run audit:verify -- [--practice <id>]`: recomputes the hash chains of the audit
 * database (DATABASE_URL, or the embedded one under DATA_DIR) and prints what it found as
 * JSON. Exit 0: every chain intact; 1: a record was edited or deleted; 2: bad arguments.
 */
const args = process.argv.slice(2);
const at = args.indexOf('--practice');
const practiceId = at >= 0 ? args[at + 1] : undefined;
const stray = args.filter((_arg, i) => i !== at && !(at >= 0 && i === at + 1));
if ((at >= 0 && !practiceId) || stray.length > 0) {
  process.stderr.write('usage: npm run audit:verify -- [--practice <practiceId>]\n');
  process.exit(2);
}

const config = loadConfig();
const logger = createLogger({ service: 'audit-verify', level: config.runtime.log.level });
const database = await openDatabase({ ...config.runtime.database, migrationsFolder, logger });
try {
  const report = await new AuditTrail(database.db, auditRecordsStore).verify(practiceId);
  process.stdout.write(`${JSON.stringify({ intact: report.problems.length === 0, ...report }, null, 2)}\n`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
} finally {
  await database.close();
}
