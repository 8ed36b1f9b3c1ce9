import { fileURLToPath } from 'node:url';
import { ensureRealtimeLog } from '@huddle/bus';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { DeliveryParticipants } from './app/delivery-participants';
import { RealtimeFanOut } from './app/fan-out';
import { Inbox } from './app/inbox';
import type { NotificationConfig } from './config';
import { inboxConsumers, realtimeConsumers } from './events/consumers';
import { startOutbound } from './outbound';
import { natsRealtime, remoteParticipants } from './rpc/clients';
import { notificationRpc } from './rpc/handlers';
import { notificationStore } from './store/repositories';

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
    build: async ({ bus, db, logger: serviceLogger }) => {
      await ensureRealtimeLog(bus.jsm);
      const participants = remoteParticipants(config.services.participant);
      // One ListParticipants per message for both its inbox and its realtime consumer.
      const atDelivery = new DeliveryParticipants(participants);
      const fanOut = new RealtimeFanOut(atDelivery, natsRealtime(bus));
      const outbound = startOutbound(config, db.db, participants, serviceLogger);
      const inbox = new Inbox(db.db, notificationStore, atDelivery, outbound.outbound);
      return {
        services: [notificationRpc(inbox, outbound.settings)],
        consumers: [...inboxConsumers(inbox), ...realtimeConsumers(fanOut)],
        stop: async () => {
          await outbound.stop();
          participants.close();
        },
      };
    },
  });
}
