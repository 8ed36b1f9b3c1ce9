import type { paths } from './gen/api';

/**
 * Every frame the gateway sends on /v1/stream, a union discriminated on
 * `type`: generated from the same schemas as the gateway's AsyncAPI document
 * (`/asyncapi.json`), checked against it in test/unit/stream-events.test.ts.
 */
export type StreamEvent = paths['/v1/stream']['get']['responses'][101]['content']['application/json'];
export type StreamEventType = StreamEvent['type'];
/** The event of one type, e.g. `StreamEventOf<'message.created'>`. */
export type StreamEventOf<T extends StreamEventType> = Extract<StreamEvent, { type: T }>;

/** Every event type, at run time. The `satisfies` check and its inverse below keep it equal to the union. */
export const streamEventTypes = [
  'message.created',
  'message.updated',
  'message.deleted',
  'message.pinned',
  'message.unpinned',
  'chat.updated',
  'chat.converted',
  'reaction.added',
  'reaction.removed',
  'read_marker.moved',
  'participant.added',
  'participant.removed',
  'chat.left',
  'notification.created',
  'personal_state.updated',
  'typing',
  'stream.ready',
  'stream.reset',
  'stream.authenticated',
] as const satisfies readonly StreamEventType[];

// A type missing from the list above fails to compile here.
type Unlisted = Exclude<StreamEventType, (typeof streamEventTypes)[number]>;
export const everyEventTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** A frame a client sends on /v1/stream. */
export type StreamClientFrame = { type: 'typing'; chatId: string } | { type: 'auth'; token: string };

/** Events about the stream itself; never kept, so never a resume point. */
export const isEphemeralId = (id: string) => id.startsWith('eph_');
