import { notificationV1 } from '@huddle/contracts';
import { host } from '@huddle/grpc';
import type { ChannelSettings } from '../app/channels';
import type { Inbox } from '../app/inbox';
import type { PracticeChannels } from '../domain/outbound';

const date = (iso: string | null) => (iso ? new Date(iso) : undefined);

const channelsToProto = (channels: PracticeChannels) => ({
  ...channels,
  webhookUrl: channels.webhookUrl ?? undefined,
});

export function notificationRpc(inbox: Inbox, settings: ChannelSettings) {
  return host(notificationV1.NotificationServiceService, {
    listNotifications: async (request) => {
      const page = await inbox.list(request);
      return {
        notifications: page.notifications.map((n) => ({
          ...n,
          messageId: n.messageId ?? undefined,
          actorId: n.actorId ?? undefined,
          createdAt: new Date(n.createdAt),
          readAt: date(n.readAt),
        })),
        nextCursor: page.nextCursor,
        unreadCount: page.unreadCount,
      };
    },
    markNotificationsRead: (request) => inbox.markRead(request),
    setNotificationLevel: async (request) => ({ level: await inbox.setLevel(request) }),
    setPracticeChannels: async (request) => ({ channels: channelsToProto(await settings.set(request)) }),
    getPracticeChannels: async (request) => ({
      channels: channelsToProto(await settings.get(request.practiceId)),
    }),
  });
}
