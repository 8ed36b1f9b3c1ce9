import type { NotificationStore } from '../app/ports';
import { notificationsStore } from './notifications';
import { channelsStore, deliveriesStore } from './outbound';

/** The notification service's repositories on its PostgreSQL database, wired in `service.ts`. */
export const notificationStore: NotificationStore = {
  notifications: notificationsStore,
  channels: channelsStore,
  deliveries: deliveriesStore,
};
