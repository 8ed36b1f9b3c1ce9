import { participantV1, personToProto } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import { connect, type Remote } from '@huddle/grpc';
import { createLogger } from '@huddle/logging';
import type { RunningService } from '@huddle/runtime';
import { type FreshDatabase, freshDatabase, type NatsServer, startNatsServer } from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startParticipantService } from '../../src/service';

describe('participant service on real PostgreSQL and NATS', () => {
  let database: FreshDatabase;
  let nats: NatsServer;
  let service: RunningService;
  let rpc: Remote<typeof participantV1.ParticipantServiceService>;

  const upsert = (id: string, kind: 'practitioner' | 'client', extra = {}) =>
    rpc.upsertPerson({
      person: personToProto({
        id,
        practiceId: 'p1',
        kind,
        firstName: id,
        lastName: 'Test',
        photoUrl: null,
        tags: [],
        teamRole: kind === 'practitioner' ? 'member' : null,
        canManageTeamSettings: false,
        clientTagRestriction: null,
        zoomLinked: false,
        ...extra,
      }),
    });

  beforeAll(async () => {
    [database, nats] = await Promise.all([freshDatabase('participant'), startNatsServer()]);
    service = await startParticipantService(
      loadConfig({
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        GRPC_PORT: '0',
        METRICS_PORT: '0',
        GRPC_HOST: '127.0.0.1',
      }),
      createLogger({ service: 'participant', level: 'silent' }),
    );
    rpc = connect(participantV1.ParticipantServiceService, `127.0.0.1:${service.grpcPort}`);
    for (const id of ['dana', 'eli']) await upsert(id, 'practitioner');
    for (const id of ['cleo', 'omar', 'ana']) await upsert(id, 'client');
  });

  afterAll(async () => {
    rpc?.close();
    await service?.stop();
    await nats?.stop();
    await database?.drop();
  });

  it('upsert tells a new person from an update', async () => {
    expect((await upsert('zed', 'client')).created).toBe(true);
    const again = await upsert('zed', 'client', { tags: ['x'] });
    expect(again.created).toBe(false);
    expect(again.person?.tags).toEqual(['x']);
  });

  it('G5: clients get stable per-chat pseudonyms in order of arrival; roles follow kinds', async () => {
    const { participants } = await rpc.addParticipants({
      practiceId: 'p1',
      chatId: 'chat-1',
      addedBy: 'dana',
      participants: [
        { personId: 'dana', role: 'owner', via: 'created' },
        { personId: 'cleo', role: '', via: 'created' },
        { personId: 'eli', role: '', via: 'created' },
        { personId: 'omar', role: '', via: 'created' },
      ],
    });
    const byId = Object.fromEntries(participants.map((p) => [p.personId, p]));
    expect(byId.dana).toMatchObject({ role: 'owner', kind: 'practitioner' });
    expect(byId.eli).toMatchObject({ role: 'team', kind: 'practitioner' });
    expect(byId.cleo).toMatchObject({ role: 'client', pseudonym: 'Client 1' });
    expect(byId.omar).toMatchObject({ role: 'client', pseudonym: 'Client 2' });
    // Adding an active participant again changes nothing and announces nothing.
    const again = await rpc.addParticipants({
      practiceId: 'p1',
      chatId: 'chat-1',
      addedBy: 'dana',
      participants: [{ personId: 'cleo', role: '', via: 'invited' }],
    });
    expect(again.participants).toEqual([]);
    const listed = await rpc.listParticipants({ chatId: 'chat-1' });
    expect(listed.participants.map((p) => p.personId).sort()).toEqual(['cleo', 'dana', 'eli', 'omar']);
  });

  it('A1: a person who is not in the chat has no membership', async () => {
    await expect(rpc.getParticipant({ chatId: 'chat-1', personId: 'ana' })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await rpc.getParticipant({ chatId: 'chat-1', personId: 'cleo' })).participant?.role).toBe(
      'client',
    );
  });

  it('unknown people, or people of another practice, are refused and nothing is added', async () => {
    const attempt = rpc.addParticipants({
      practiceId: 'p1',
      chatId: 'chat-2',
      addedBy: 'dana',
      participants: [
        { personId: 'cleo', role: '', via: 'created' },
        { personId: 'ghost', role: '', via: 'created' },
      ],
    });
    await expect(attempt).rejects.toBeInstanceOf(HuddleError);
    await expect(attempt).rejects.toMatchObject({
      code: 'validation_failed',
      details: { personIds: ['ghost'] },
    });
    expect((await rpc.listParticipants({ chatId: 'chat-2' })).participants).toEqual([]);
    const otherPractice = rpc.addParticipants({
      practiceId: 'p2',
      chatId: 'chat-3',
      addedBy: 'dana',
      participants: [{ personId: 'cleo', role: '', via: 'created' }],
    });
    await expect(otherPractice).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('refuses a malformed person with the fields named', async () => {
    await expect(upsert('bad id', 'client')).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: { id: expect.any(String) } },
    });
  });
});
