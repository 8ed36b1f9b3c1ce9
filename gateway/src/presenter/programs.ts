import type { chatV1 } from '@huddle/contracts';

/**
 * A program's group chat as its program system sees it (R1). A service is no
 * participant, so it gets the chat's settings, never a title made of people.
 */
export interface PresentedProgramChat {
  id: string;
  kind: string;
  name: string;
  style: string;
  avatar: string | null;
  clientNaming: string;
  hideClientIdentities: boolean;
  locked: boolean;
  ownerId: string;
  programId: string | null;
}

export function presentProgramChat(chat: chatV1.Chat): PresentedProgramChat {
  return {
    id: chat.id,
    kind: chat.kind,
    name: chat.name,
    style: chat.style,
    avatar: chat.avatar || null,
    clientNaming: chat.clientNaming,
    hideClientIdentities: chat.hideClientIdentities,
    locked: chat.locked,
    ownerId: chat.ownerId,
    programId: chat.programId ?? null,
  };
}
