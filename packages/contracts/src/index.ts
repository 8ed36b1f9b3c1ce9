export * from './events';
export * as auditV1 from './gen/huddle/audit/v1/audit';
export * as chatV1 from './gen/huddle/chat/v1/chat';
export * as notificationV1 from './gen/huddle/notification/v1/notification';
export * as participantV1 from './gen/huddle/participant/v1/participant';
export * as sharingPolicyV1 from './gen/huddle/sharing_policy/v1/sharing_policy';
export * from './mapping';
export * from './product';
