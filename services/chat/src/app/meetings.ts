import { randomBytes } from 'node:crypto';
import { forbidden, HuddleError, invalid } from '@huddle/errors';
import type { Chats } from './chats';
import type { Messages } from './messages';
import type { ChatStore, Directory, Reader } from './ports';

export type Provider = 'builtin' | 'zoom';

/** M1: the topic of every Zoom meeting, whatever the chat: nothing about who meets or why. */
export const MEETING_TOPIC = 'Huddle meeting';

/** Creates an instant Zoom meeting as the practitioner whose token it is. */
export interface ZoomMeetings {
  create(accessToken: string, topic: string): Promise<{ joinUrl: string }>;
}

/**
 * M1: a practitioner starts an instant meeting from a chat: built-in video or
 * Zoom from a 1-on-1 or shared chat, Zoom only from a group chat and only
 * with Zoom linked. The meeting appears in the chat as a message with its link.
 */
export class Meetings {
  constructor(
    private readonly db: Reader,
    private readonly store: Pick<ChatStore, 'zoomLinks'>,
    private readonly chats: Chats,
    private readonly messages: Messages,
    private readonly directory: Directory,
    private readonly zoom: ZoomMeetings,
    private readonly builtinBaseUrl: string,
  ) {}

  async start(request: { chatId: string; practiceId: string; actorId: string; provider: string }) {
    if (request.provider !== 'builtin' && request.provider !== 'zoom')
      throw invalid('provider must be builtin or zoom');
    const provider: Provider = request.provider;
    const { chat, member } = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    if (member.kind !== 'practitioner') throw forbidden('Only practitioners start meetings');
    if (chat.kind === 'group' && provider !== 'zoom')
      throw invalid('Group chats start meetings with Zoom only');

    let joinUrl: string;
    if (provider === 'zoom') {
      // The linked token is the one source of truth: the directory's `zoomLinked` is the platform's record only.
      const token = await this.store.zoomLinks.token(this.db, chat.practiceId, request.actorId);
      if (!token) {
        throw forbidden('Link Zoom (PUT /v1/practitioners/{personId}/zoom-link) to start Zoom meetings');
      }
      // A chat's name may say what the group is for (a health focus): Zoom, a third party, gets none of it.
      ({ joinUrl } = await this.zoom.create(token, MEETING_TOPIC));
    } else {
      // An unguessable room: 128 random bits.
      joinUrl = `${this.builtinBaseUrl.replace(/\/$/, '')}/${randomBytes(16).toString('base64url')}`;
    }
    const label = provider === 'zoom' ? 'Zoom meeting' : 'Video meeting';
    const { message } = await this.messages.post({
      chatId: chat.id,
      practiceId: chat.practiceId,
      authorId: request.actorId,
      message: {
        body: `${label} started — join: ${joinUrl}`,
        parentId: null,
        mentions: [],
        attachmentIds: [],
      },
      idempotencyKey: null,
    });
    return { provider, joinUrl, message };
  }

  /** Keeps (or, with an empty token, forgets) a practitioner's Zoom access token; clients link nothing. */
  async linkZoom(request: { practiceId: string; personId: string; accessToken: string }): Promise<boolean> {
    const [person] = await this.directory.people(request.practiceId, [request.personId]);
    if (person?.kind !== 'practitioner') throw forbidden('Only practitioners link Zoom');
    const token = request.accessToken.trim();
    if (!token) {
      await this.store.zoomLinks.forget(this.db, request.practiceId, request.personId);
      return false;
    }
    if (token.length > 4096) throw invalid('accessToken is too long');
    await this.store.zoomLinks.set(this.db, request.practiceId, request.personId, token);
    return true;
  }
}

/**
 * Zoom's REST API: `POST /users/me/meetings` with the user's OAuth token
 * creates an instant meeting (type 1) and answers its `join_url`.
 */
export function zoomApi(baseUrl: string, timeoutMs = 10_000): ZoomMeetings {
  return {
    async create(accessToken, topic) {
      let response: Response;
      try {
        response = await fetch(`${baseUrl.replace(/\/$/, '')}/users/me/meetings`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ topic, type: 1, settings: { waiting_room: true } }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch {
        throw new HuddleError('unavailable', 'Zoom cannot be reached; try again shortly');
      }
      if (response.status === 401 || response.status === 403) {
        throw forbidden('Zoom refused the linked credentials; link Zoom again');
      }
      const meeting = (await response.json().catch(() => null)) as { join_url?: unknown } | null;
      if (!response.ok || typeof meeting?.join_url !== 'string') {
        throw new HuddleError('unavailable', 'Zoom could not create the meeting; try again shortly');
      }
      return { joinUrl: meeting.join_url };
    },
  };
}
