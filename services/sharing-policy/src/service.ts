import { fileURLToPath } from 'node:url';
import { participantV1 } from '@huddle/contracts';
import { connect } from '@huddle/grpc';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { Authorization } from './app/authorization';
import { DefaultSharing } from './app/default-sharing';
import { KnownPeople } from './app/people';
import { Practices } from './app/practices';
import type { SharingPolicyConfig } from './config';
import { directoryConsumer } from './events/directory';
import { sharingPolicyRpc } from './rpc/handlers';
import { participantDirectory } from './rpc/participant-directory';
import { defaultSharingStore } from './store/default-sharing';
import { projectedPeople } from './store/people';
import { practicesStore } from './store/practices';

const migrationsFolder = fileURLToPath(new URL('./store/migrations', import.meta.url));

/**
 * The sharing-policy service: practice plans, the access attributes of people
 * (projected from the directory), default direct-chat sharing and the
 * authorization decisions built on them.
 */
export function startSharingPolicyService(
  config: SharingPolicyConfig,
  logger?: Logger,
): Promise<RunningService> {
  return runService({
    name: 'sharing-policy',
    config: config.runtime,
    migrationsFolder,
    logger,
    build: ({ db, outbox }) => {
      const participant = connect(participantV1.ParticipantServiceService, config.participantAddress);
      const people = new KnownPeople(projectedPeople(db.db), participantDirectory(participant));
      const practices = new Practices(db.db, outbox, practicesStore);
      const authorization = new Authorization(people);
      const defaultSharing = new DefaultSharing(db.db, defaultSharingStore, practicesStore, people);
      return {
        services: [sharingPolicyRpc(practices, authorization, defaultSharing)],
        consumers: [directoryConsumer],
        stop: async () => participant.close(),
      };
    },
  });
}
