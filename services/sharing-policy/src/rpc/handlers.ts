import { sharingPolicyV1 } from '@huddle/contracts';
import { invalid } from '@huddle/errors';
import { host } from '@huddle/grpc';
import type { Authorization } from '../app/authorization';
import type { DefaultSharing } from '../app/default-sharing';
import type { DefaultSharingList, StoredPractice } from '../app/ports';
import type { Practices } from '../app/practices';
import type { Decision } from '../domain/decision';
import type { Practice } from '../domain/practice';

const practiceToProto = ({ practice, updatedAt }: StoredPractice): sharingPolicyV1.Practice => ({
  ...practice,
  updatedAt,
});

const decisionToProto = (decision: Decision): sharingPolicyV1.Decision =>
  decision.allowed
    ? { allowed: true, reason: '', message: '', personIds: [] }
    : { allowed: false, reason: decision.reason, message: decision.message, personIds: decision.personIds };

const listToProto = (list: DefaultSharingList): sharingPolicyV1.DefaultSharing => ({
  practitionerId: list.practitionerId,
  teamMemberIds: list.teamMemberIds,
  updatedAt: list.updatedAt ?? undefined,
});

export function sharingPolicyRpc(
  practices: Practices,
  authorization: Authorization,
  defaultSharing: DefaultSharing,
) {
  return host(sharingPolicyV1.SharingPolicyServiceService, {
    upsertPractice: async ({ practice }) => {
      if (!practice) throw invalid('practice is required');
      // The plan is checked by the domain; the cast only names the type it is checked against.
      const { created, ...stored } = await practices.upsert({
        id: practice.id,
        name: practice.name,
        plan: practice.plan as Practice['plan'],
      });
      return { practice: practiceToProto(stored), created };
    },
    getPractice: async ({ practiceId }) => ({ practice: practiceToProto(await practices.get(practiceId)) }),
    authorizeGroupCreation: async (request) => ({
      decision: decisionToProto(await authorization.groupCreation(request)),
    }),
    authorizeDirectChat: async (request) => ({
      decision: decisionToProto(await authorization.directChat(request)),
    }),
    getDefaultSharing: async (request) => ({
      defaultSharing: listToProto(await defaultSharing.get(request)),
    }),
    setDefaultSharing: async (request) => ({
      defaultSharing: listToProto(await defaultSharing.set(request)),
    }),
    planDefaultSharing: async (request) => defaultSharing.plan(request),
  });
}
