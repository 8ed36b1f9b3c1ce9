import { fileURLToPath } from 'node:url';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { Chats } from './app/chats';
import { Messages } from './app/messages';
import type { ChatConfig } from './config';
import { remotePorts } from './rpc/clients';
import { chatRpc } from './rpc/handlers';

const migrationsFolder = fileURLToPath(new URL('./store/migrations', import.meta.url));

/** The chat service: chats, messages, threads, pins, revisions, read markers, meetings. */
export function startChatService(config: ChatConfig, logger?: Logger): Promise<RunningService> {
  return runService({
    name: 'chat',
    config: config.runtime,
    migrationsFolder,
    logger,
    build: ({ db, outbox }) => {
      const remote = remotePorts(config.services);
      const chats = new Chats(db.db, outbox, remote.policy, remote.participants);
      const messages = new Messages(db.db, outbox, chats, remote.participants);
      return { services: [chatRpc(chats, messages)], stop: async () => remote.close() };
    },
  });
}
