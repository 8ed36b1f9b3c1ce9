import { CHAT_AVATARS, type ChatData, characterCount } from '@huddle/contracts';
import { invalid } from '@huddle/errors';

export type Chat = ChatData;
export type ChatStyle = Chat['style'];
export type ClientNaming = Chat['clientNaming'];

/** The fixed preset avatars a group chat can show (G1); served by GET /v1/chat-avatars. */
export const AVATARS = CHAT_AVATARS;
export const DEFAULT_AVATAR = AVATARS[0];

const STYLES: readonly ChatStyle[] = ['feed', 'direct'];
const NAMINGS: readonly ClientNaming[] = ['full', 'first_initial', 'first'];
const ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_INITIAL_PARTICIPANTS = 500;

export interface GroupSettings {
  name: string;
  avatar: string;
  style: ChatStyle;
  clientNaming: ClientNaming;
  hideClientIdentities: boolean;
}

/** Checks a new group's settings and initial participants (G1); names every bad field at once. */
export function validateNewGroup(input: {
  creatorId: string;
  name: string;
  avatar: string;
  style: string;
  clientNaming: string;
  hideClientIdentities: boolean;
  participantIds: readonly string[];
}): GroupSettings & { participantIds: string[] } {
  const fields: Record<string, string> = {};
  const name = input.name.trim();
  if (name.length < 1 || characterCount(name) > 100) fields.name = 'must be 1-100 characters';
  const avatar = input.avatar || DEFAULT_AVATAR;
  if (!(AVATARS as readonly string[]).includes(avatar))
    fields.avatar = `must be one of ${AVATARS.join(', ')}`;
  if (!STYLES.includes(input.style as ChatStyle)) fields.style = 'must be feed or direct';
  const clientNaming = input.clientNaming || 'full';
  if (!NAMINGS.includes(clientNaming as ClientNaming))
    fields.clientNaming = 'must be full, first_initial or first';
  const participantIds = [...new Set(input.participantIds)].filter((id) => id !== input.creatorId);
  if (participantIds.length > MAX_INITIAL_PARTICIPANTS) {
    fields.participantIds = `at most ${MAX_INITIAL_PARTICIPANTS} people`;
  } else if (participantIds.some((id) => !ID.test(id))) {
    fields.participantIds = 'must be person ids';
  }
  if (Object.keys(fields).length > 0) throw invalid('The group chat is not valid', { fields });
  return {
    name,
    avatar,
    style: input.style as ChatStyle,
    clientNaming: clientNaming as ClientNaming,
    hideClientIdentities: input.hideClientIdentities,
    participantIds,
  };
}

export interface ChatChanges {
  name?: string | undefined;
  avatar?: string | undefined;
  style?: string | undefined;
  clientNaming?: string | undefined;
  hideClientIdentities?: boolean | undefined;
  locked?: boolean | undefined;
}

/** G3/G6: checks the settings an owner changes; names every bad field at once. */
export function validateChanges(changes: ChatChanges): Partial<GroupSettings & { locked: boolean }> {
  const fields: Record<string, string> = {};
  const valid: Partial<GroupSettings & { locked: boolean }> = {};
  if (changes.name !== undefined) {
    valid.name = changes.name.trim();
    if (valid.name.length < 1 || characterCount(valid.name) > 100) fields.name = 'must be 1-100 characters';
  }
  if (changes.avatar !== undefined) {
    if (!(AVATARS as readonly string[]).includes(changes.avatar))
      fields.avatar = `must be one of ${AVATARS.join(', ')}`;
    valid.avatar = changes.avatar;
  }
  if (changes.style !== undefined) {
    if (!STYLES.includes(changes.style as ChatStyle)) fields.style = 'must be feed or direct';
    valid.style = changes.style as ChatStyle;
  }
  if (changes.clientNaming !== undefined) {
    if (!NAMINGS.includes(changes.clientNaming as ClientNaming)) {
      fields.clientNaming = 'must be full, first_initial or first';
    }
    valid.clientNaming = changes.clientNaming as ClientNaming;
  }
  if (changes.hideClientIdentities !== undefined) valid.hideClientIdentities = changes.hideClientIdentities;
  if (changes.locked !== undefined) valid.locked = changes.locked;
  if (Object.keys(fields).length > 0) throw invalid('The chat settings are not valid', { fields });
  return valid;
}
