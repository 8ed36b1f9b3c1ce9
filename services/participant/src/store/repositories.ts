import type { ParticipantStore } from '../app/ports';
import { participantsStore } from './participants';
import { peopleStore } from './people';

/** The participant service's repositories on its PostgreSQL database, wired in `service.ts`. */
export const participantStore: ParticipantStore = { people: peopleStore, participants: participantsStore };
