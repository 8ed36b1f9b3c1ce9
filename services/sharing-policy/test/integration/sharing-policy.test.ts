import { fileURLToPath } from 'node:url';
import { type Bus, connectBus, inbox } from '@huddle/bus';
import {
  type EventEnvelope,
  type PersonData,
  participantV1,
  personToProto,
  sharingPolicyV1,
} from '@huddle/contracts';
import { type DatabaseHandle, openDatabase } from '@huddle/db';
import { HuddleError } from '@huddle/errors';
import { connect, type Remote } from '@huddle/grpc';
import { createLogger } from '@huddle/logging';
import { loadConfig as loadParticipantConfig } from '@huddle/participant/src/config';
import { startParticipantService } from '@huddle/participant/src/service';
import { peopleStore as directoryStore } from '@huddle/participant/src/store/people';
import type { RunningService } from '@huddle/runtime';
import { type FreshDatabase, freshDatabase, type NatsServer, startNatsServer } from '@huddle/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startSharingPolicyService } from '../../src/service';
import { peopleStore } from '../../src/store/people';

const logger = createLogger({ service: 'sharing-policy-test', level: 'silent' });
const folder = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const policyMigrations = folder('../../src/store/migrations');
const directoryMigrations = folder('../../../participant/src/store/migrations');

const person = (id: string, fields: Partial<PersonData>): PersonData => ({
  id,
  practiceId: 'p1',
  kind: 'client',
  firstName: 'Dana',
  lastName: 'Smith',
  photoUrl: null,
  tags: [],
  teamRole: null,
  canManageTeamSettings: false,
  clientTagRestriction: null,
  zoomLinked: false,
  ...fields,
});

/** Retries `check` until it stops throwing: the projection follows the directory asynchronously. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('sharing-policy with the participant service on real PostgreSQL and NATS', () => {
  let nats: NatsServer;
  let directoryDatabase: FreshDatabase;
  let policyDatabase: FreshDatabase;
  let participantService: RunningService;
  let policyService: RunningService;
  let participant: Remote<typeof participantV1.ParticipantServiceService>;
  let policy: Remote<typeof sharingPolicyV1.SharingPolicyServiceService>;
  let projection: DatabaseHandle;
  let directory: DatabaseHandle;
  let bus: Bus;

  beforeAll(async () => {
    [nats, directoryDatabase, policyDatabase] = await Promise.all([
      startNatsServer(),
      freshDatabase('sharing_policy_directory'),
      freshDatabase('sharing_policy'),
    ]);
    const env = {
      NATS_URL: nats.url,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'silent',
    };
    participantService = await startParticipantService(
      loadParticipantConfig({ ...env, DATABASE_URL: directoryDatabase.url }),
      logger,
    );
    const participantAddress = `127.0.0.1:${participantService.grpcPort}`;
    policyService = await startSharingPolicyService(
      loadConfig({
        ...env,
        DATABASE_URL: policyDatabase.url,
        PARTICIPANT_ADDR: participantAddress,
      }),
      logger,
    );
    participant = connect(participantV1.ParticipantServiceService, participantAddress);
    policy = connect(sharingPolicyV1.SharingPolicyServiceService, `127.0.0.1:${policyService.grpcPort}`);
    projection = await openDatabase({
      url: policyDatabase.url,
      dataDir: '',
      migrationsFolder: policyMigrations,
      logger,
    });
    directory = await openDatabase({
      url: directoryDatabase.url,
      dataDir: '',
      migrationsFolder: directoryMigrations,
      logger,
    });
    bus = await connectBus({ url: nats.url, name: 'sharing-policy-test', logger });
  });

  afterAll(async () => {
    participant?.close();
    policy?.close();
    await bus?.drain();
    await projection?.close();
    await directory?.close();
    await policyService?.stop();
    await participantService?.stop();
    await nats?.stop();
    await Promise.all([policyDatabase?.drop(), directoryDatabase?.drop()]);
  });

  const sync = (data: PersonData) => participant.upsertPerson({ person: personToProto(data) });
  const projected = (id: string) =>
    eventually(async () => {
      const [found] = await peopleStore.getMany(projection.db, 'p1', [id]);
      if (!found) throw new Error(`${id} is not projected yet`);
      return found;
    });
  const authorize = async (creatorId: string, participantIds: string[]) =>
    (await policy.authorizeGroupCreation({ practiceId: 'p1', creatorId, participantIds, memberIds: [] }))
      .decision;

  describe('practices', () => {
    it('upserts a practice, reads it back and announces it on the stream', async () => {
      const first = await policy.upsertPractice({ practice: { id: 'p1', name: ' Acme ', plan: 'plus' } });
      expect(first).toMatchObject({ created: true, practice: { id: 'p1', name: 'Acme', plan: 'plus' } });
      expect(first.practice?.updatedAt).toBeInstanceOf(Date);

      const second = await policy.upsertPractice({ practice: { id: 'p1', name: 'Acme', plan: 'team' } });
      expect(second).toMatchObject({ created: false, practice: { plan: 'team' } });
      const { practice } = await policy.getPractice({ practiceId: 'p1' });
      expect(practice).toMatchObject({ id: 'p1', name: 'Acme', plan: 'team' });

      const announced = await eventually(async () => {
        const message = await bus.jsm.streams.getMessage('SHARING_POLICY', {
          last_by_subj: 'sharing-policy.v1.practice.upserted',
        });
        const envelope = message?.json<EventEnvelope<'sharing-policy.v1.practice.upserted'>>();
        if (envelope?.data.practice.plan !== 'team') throw new Error('the update is not published yet');
        return envelope;
      });
      expect(announced.data).toEqual({ practice: { id: 'p1', name: 'Acme', plan: 'team' } });
    });

    it('refuses an invalid practice with the fields at fault, and stores nothing', async () => {
      const upsert = policy.upsertPractice({ practice: { id: 'bad id', name: '', plan: 'gold' } });
      await expect(upsert).rejects.toBeInstanceOf(HuddleError);
      await expect(upsert).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: { id: expect.any(String), name: expect.any(String), plan: expect.any(String) } },
      });
      await expect(policy.getPractice({ practiceId: 'bad id' })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('answers not_found for an unknown practice', async () => {
      await expect(policy.getPractice({ practiceId: 'nowhere' })).rejects.toMatchObject({
        code: 'not_found',
      });
    });
  });

  describe('group creation decisions from the directory projection', () => {
    it('G1: sees the tags a person was given in the directory, and their later changes', async () => {
      await sync(
        person('pr1', { kind: 'practitioner', teamRole: 'member', clientTagRestriction: ['diabetes'] }),
      );
      await sync(person('c1', { tags: ['diabetes'] }));
      await projected('pr1');
      await eventually(async () => expect((await projected('c1')).tags).toEqual(['diabetes']));
      await expect(authorize('pr1', ['c1'])).resolves.toEqual({
        allowed: true,
        reason: '',
        message: '',
        personIds: [],
      });

      await sync(person('c1', { tags: ['vip'] }));
      await eventually(async () => expect((await projected('c1')).tags).toEqual(['vip']));
      await expect(authorize('pr1', ['c1'])).resolves.toEqual({
        allowed: false,
        reason: 'tag_restricted',
        message: 'Your client tag restriction does not reach 1 of these clients',
        personIds: [],
      });
    });

    it('G1: a client cannot create a group chat', async () => {
      await sync(person('c2', { tags: ['diabetes'] }));
      await projected('c2');
      await expect(authorize('c2', [])).resolves.toMatchObject({ allowed: false, reason: 'forbidden' });
    });

    it('G1: asks the directory for people the projection has not seen', async () => {
      // Written straight into the directory's table: no event, so only the directory knows them.
      await directoryStore.upsert(
        directory.db,
        person('pr-unprojected', {
          kind: 'practitioner',
          teamRole: 'member',
          clientTagRestriction: ['sports'],
        }),
      );
      await directoryStore.upsert(directory.db, person('c-unprojected', { tags: ['sports'] }));
      await directoryStore.upsert(directory.db, person('c-unprojected-vip', { tags: ['vip'] }));
      await expect(peopleStore.getMany(projection.db, 'p1', ['pr-unprojected'])).resolves.toEqual([]);

      await expect(authorize('pr-unprojected', ['c-unprojected'])).resolves.toMatchObject({ allowed: true });
      await expect(
        authorize('pr-unprojected', ['c-unprojected', 'c-unprojected-vip']),
      ).resolves.toMatchObject({
        allowed: false,
        reason: 'tag_restricted',
      });
      await expect(authorize('pr-unprojected', ['nobody'])).resolves.toMatchObject({
        allowed: false,
        reason: 'validation_failed',
      });
    });

    it('S4: default sharing lists are stored, read back and followed by new 1-on-1 chats', async () => {
      await policy.upsertPractice({ practice: { id: 'p1', name: 'Acme', plan: 'team' } });
      await sync(person('s4-owner', { kind: 'practitioner', teamRole: 'owner' }));
      await sync(person('s4-pr1', { kind: 'practitioner', teamRole: 'member' }));
      await sync(
        person('s4-pr2', { kind: 'practitioner', teamRole: 'member', clientTagRestriction: ['vip'] }),
      );
      await sync(person('s4-pr3', { kind: 'practitioner', teamRole: 'member' }));
      await sync(person('s4-client', { tags: ['diabetes'] }));

      const set = await policy.setDefaultSharing({
        practiceId: 'p1',
        actorId: 's4-owner',
        practitionerId: 's4-pr1',
        teamMemberIds: ['s4-pr2', 's4-pr3'],
      });
      expect(set.defaultSharing).toMatchObject({
        practitionerId: 's4-pr1',
        teamMemberIds: ['s4-pr2', 's4-pr3'],
      });
      expect(set.defaultSharing?.updatedAt).toBeInstanceOf(Date);
      await expect(
        policy.getDefaultSharing({ practiceId: 'p1', actorId: 's4-pr1', practitionerId: 's4-pr1' }),
      ).resolves.toMatchObject({ defaultSharing: { teamMemberIds: ['s4-pr2', 's4-pr3'] } });
      await expect(
        policy.getDefaultSharing({ practiceId: 'p1', actorId: 's4-pr3', practitionerId: 's4-pr1' }),
      ).rejects.toMatchObject({ code: 'forbidden' });

      await expect(
        policy.planDefaultSharing({ practiceId: 'p1', ownerId: 's4-pr1', clientId: 's4-client' }),
      ).resolves.toEqual({
        teamMemberIds: ['s4-pr3'],
        skipped: [
          {
            personId: 's4-pr2',
            reason: 'tag_restricted',
            message: 'Their client tag restriction excludes this client',
          },
        ],
      });
    });

    it('applies a redelivered directory event once', async () => {
      await sync(person('c3', { tags: ['first'] }));
      await eventually(async () => expect((await projected('c3')).tags).toEqual(['first']));
      const message = await bus.jsm.streams.getMessage('PARTICIPANT', {
        last_by_subj: 'participant.v1.person.upserted',
      });
      const original = message!.json<EventEnvelope<'participant.v1.person.upserted'>>();
      expect(original.data.person.id).toBe('c3');

      // The same event again, under a new message id so JetStream does not drop it as a duplicate.
      // Its content is altered only so that applying it a second time would show.
      const redelivered = {
        ...original,
        occurredAt: new Date().toISOString(),
        data: { person: { ...original.data.person, tags: ['second'] } },
      };
      const ack = await bus.js.publish(original.type, JSON.stringify(redelivered), {
        msgID: `redelivery-${original.id}`,
      });
      await eventually(async () => {
        const info = await bus.jsm.consumers.info('PARTICIPANT', 'sharing-policy-directory');
        expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(ack.seq);
      });

      expect((await projected('c3')).tags).toEqual(['first']);
      const applied = await projection.db
        .select()
        .from(inbox)
        .where(and(eq(inbox.consumer, 'sharing-policy-directory'), eq(inbox.eventId, original.id)));
      expect(applied).toHaveLength(1);
    });
  });
});
