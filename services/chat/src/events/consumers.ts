import type { ConsumerSpec } from '@huddle/bus';
import { membersStore } from '../store/members';

/**
 * Keeps the chat's membership projection in step with the participant service.
 * This service writes memberships it causes itself at once; this consumer
 * catches any it did not see (e.g. a crash between the two writes).
 */
export function membershipConsumer(): ConsumerSpec<
  'participant.v1.participant.added' | 'participant.v1.participant.removed'
> {
  return {
    name: 'chat-memberships',
    from: 'participant',
    types: ['participant.v1.participant.added', 'participant.v1.participant.removed'],
    apply: async (tx, event) => {
      if (event.type === 'participant.v1.participant.added') {
        const { practiceId, participant } = event.data;
        await membersStore.join(tx, practiceId, participant);
      } else {
        const { chatId, personId, removedBy, messages } = event.data;
        await membersStore.leave(tx, chatId, personId, new Date(event.occurredAt), {
          by: removedBy,
          messages,
        });
      }
    },
  };
}
