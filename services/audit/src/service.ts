import { fileURLToPath } from 'node:url';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { AuditTrail } from './app/trail';
import type { AuditConfig } from './config';
import { backgroundEventsConsumer, requestRecordsConsumer } from './events/consumers';
import { auditRpc } from './rpc/handlers';
import { auditRecordsStore } from './store/records';

export const migrationsFolder = fileURLToPath(new URL('./store/migrations', import.meta.url));

/**
 * The audit service (C1): appends the gateway's request records and background jobs'
 * events to each practice's hash chain, and lists them for the practice owner.
 */
export function startAuditService(config: AuditConfig, logger?: Logger): Promise<RunningService> {
  return runService({
    name: 'audit',
    config: config.runtime,
    migrationsFolder,
    logger,
    build: ({ db }) => {
      const trail = new AuditTrail(db.db, auditRecordsStore);
      return {
        services: [auditRpc(trail)],
        consumers: [requestRecordsConsumer(trail), backgroundEventsConsumer(trail)],
      };
    },
  });
}
