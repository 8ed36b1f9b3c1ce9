import type { ConsumerSpec } from '@huddle/bus';
import { membersStore } from '../store/members';

/**
 * Keeps the chat's membership projection in step with the participant service.
 * This service writes memberships it causes itself at once; this consumer
 * catches any it did not see (e.g. a crash between the two writes).
 */
export function membershipConsumer(): ConsumerSpec<'participant.v1.participant.added'> {
  return {
    name: 'chat-memberships',
    from: 'participant',
    types: ['participant.v1.participant.added'],
    apply: (tx, event) => membersStore.join(tx, event.data.practiceId, event.data.participant),
  };
}
