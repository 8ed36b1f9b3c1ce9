import { fileURLToPath } from 'node:url';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { Directory } from './app/directory';
import { Memberships } from './app/memberships';
import type { ParticipantConfig } from './config';
import { participantRpc } from './rpc/handlers';
import { participantStore } from './store/repositories';

const migrationsFolder = fileURLToPath(new URL('./store/migrations', import.meta.url));

/** The participant service: the directory of people and the memberships of chats. */
export function startParticipantService(config: ParticipantConfig, logger?: Logger): Promise<RunningService> {
  return runService({
    name: 'participant',
    config: config.runtime,
    migrationsFolder,
    logger,
    build: ({ db, outbox }) => {
      const directory = new Directory(db.db, outbox, participantStore);
      const memberships = new Memberships(db.db, outbox, participantStore);
      return { services: [participantRpc(directory, memberships)] };
    },
  });
}
