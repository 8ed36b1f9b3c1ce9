import type { chatV1, participantV1, sharingPolicyV1 } from '@huddle/contracts';
import type { Remote } from '@huddle/grpc';

// The routes use a remote service's RPCs only; closing its channel belongs to the process (server.ts).
export type ChatRpc = Omit<Remote<typeof chatV1.ChatServiceService>, 'close'>;
export type ParticipantRpc = Omit<Remote<typeof participantV1.ParticipantServiceService>, 'close'>;
export type SharingPolicyRpc = Omit<Remote<typeof sharingPolicyV1.SharingPolicyServiceService>, 'close'>;

export interface Services {
  chat: ChatRpc;
  participant: ParticipantRpc;
  sharingPolicy: SharingPolicyRpc;
}
