import { forbidden, HuddleError } from '@huddle/errors';
import type { Chat } from './chat';

/** S2: sharing a direct chat needs one of these plans. */
export const SHARING_PLANS: readonly string[] = ['plus', 'team'];

/**
 * P1/S2: clients never add; in a group any team-member participant adds; in a
 * direct chat only its owner adds (team members share it, a client converts it).
 */
export function assertMayAdd(chat: Chat, actor: { personId: string; kind: string }): void {
  if (actor.kind !== 'practitioner') throw forbidden('Clients cannot add people to a chat');
  if (chat.kind === 'direct' && chat.ownerId !== actor.personId) {
    throw new HuddleError('not_chat_owner', 'Only the owner of a direct chat adds people to it');
  }
}

/** S5: "<client's full name> (Group)", cut to the 100 characters a name may have. */
export const conversionName = (client: { firstName: string; lastName: string }) =>
  `${[...`${client.firstName} ${client.lastName}`].slice(0, 92).join('')} (Group)`;
