import type { ConsumerSpec } from '@huddle/bus';
import { accessOf } from '../domain/person';
import { peopleStore } from '../store/people';

/** Keeps the projection of the participant service's directory (access attributes only). */
export const directoryConsumer: ConsumerSpec<'participant.v1.person.upserted'> = {
  name: 'sharing-policy-directory',
  from: 'participant',
  types: ['participant.v1.person.upserted'],
  apply: (tx, event) => peopleStore.project(tx, accessOf(event.data.person), new Date(event.occurredAt)),
};
