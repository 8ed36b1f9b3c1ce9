import type { auditV1, chatV1, notificationV1, participantV1, sharingPolicyV1 } from '@huddle/contracts';
import type { Remote } from '@huddle/grpc';

// The RPCs the gateway calls, and only those: a service may grow new RPCs without touching the
// gateway or its fakes. Closing a channel belongs to the process (server.ts), not to the routes.
export type ChatRpc = Pick<
  Remote<typeof chatV1.ChatServiceService>,
  | 'createGroup'
  | 'getChat'
  | 'updateChat'
  | 'listChats'
  | 'listChatIds'
  | 'postMessage'
  | 'listMessages'
  | 'listReplies'
  | 'editMessage'
  | 'listRevisions'
  | 'deleteMessage'
  | 'pinMessage'
  | 'unpinMessage'
  | 'markRead'
  | 'uploadAttachment'
  | 'getAttachment'
  | 'startMeeting'
  | 'linkZoom'
  | 'startDirectChat'
  | 'addParticipants'
  | 'removeParticipant'
  | 'upsertProgramChat'
  | 'setEnrollment'
  | 'addReaction'
  | 'removeReaction'
  | 'listReactions'
  | 'listReadMarkers'
  | 'listChatFiles'
  | 'setPersonalState'
  | 'getMessages'
  | 'searchMessages'
  | 'scheduleMessage'
  | 'listScheduledMessages'
  | 'editScheduledMessage'
  | 'cancelScheduledMessage'
  | 'getRetention'
  | 'setRetention'
  | 'getLegalHold'
  | 'setLegalHold'
  | 'startChatExport'
  | 'getChatExport'
  | 'readChatExportFile'
>;
export type ParticipantRpc = Pick<
  Remote<typeof participantV1.ParticipantServiceService>,
  'upsertPerson' | 'getPerson' | 'getPeople' | 'listParticipants'
>;
export type SharingPolicyRpc = Pick<
  Remote<typeof sharingPolicyV1.SharingPolicyServiceService>,
  'upsertPractice' | 'getDefaultSharing' | 'setDefaultSharing'
>;

export type NotificationRpc = Pick<
  Remote<typeof notificationV1.NotificationServiceService>,
  | 'listNotifications'
  | 'markNotificationsRead'
  | 'setNotificationLevel'
  | 'setPracticeChannels'
  | 'getPracticeChannels'
>;

export type AuditRpc = Pick<Remote<typeof auditV1.AuditServiceService>, 'listAuditEvents'>;

export interface Services {
  chat: ChatRpc;
  participant: ParticipantRpc;
  sharingPolicy: SharingPolicyRpc;
  notification: NotificationRpc;
  audit: AuditRpc;
}
