import { fileURLToPath } from 'node:url';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { RealtimeFanOut } from './app/fan-out';
import type { NotificationConfig } from './config';
import { realtimeConsumer } from './events/consumers';
import { natsRealtime, remoteParticipants } from './rpc/clients';

const migrationsFolder = fileURLToPath(new URL('./store/migrations', import.meta.url));

/** The notification service: inboxes, per-chat levels, realtime fan-out, outbound channels. */
export function startNotificationService(
  config: NotificationConfig,
  logger?: Logger,
): Promise<RunningService> {
  return runService({
    name: 'notification',
    config: config.runtime,
    migrationsFolder,
    logger,
    build: ({ bus }) => {
      const participants = remoteParticipants(config.services.participant);
      const fanOut = new RealtimeFanOut(participants, natsRealtime(bus.nc));
      return {
        services: [],
        consumers: [realtimeConsumer(fanOut)],
        stop: async () => participants.close(),
      };
    },
  });
}
