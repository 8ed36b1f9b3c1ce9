import { type Chat, HuddleError, type Participant } from '@huddle/client';
import { useState } from 'preact/hooks';
import { useSessionMe } from './context';
import { Dialog, problemText } from './dialog';

/**
 * The chat's participants as this viewer may see them (G5), adding people (P1; sharing a
 * 1-on-1 with team members, S2; converting it when a client joins, S5) and removing
 * them with their messages kept or deleted (P2).
 */
export function People({
  chat,
  participants,
  canAdd,
  canRemove,
  onChanged,
  onClose,
}: {
  chat: Chat;
  participants: Participant[];
  canAdd: boolean;
  canRemove: boolean;
  onChanged: () => Promise<void>;
  onClose: () => void;
}) {
  const { client, me } = useSessionMe();
  const [ids, setIds] = useState('');
  const [conversion, setConversion] = useState('');
  const [removing, setRemoving] = useState<Participant | null>(null);
  const [keep, setKeep] = useState<'keep' | 'delete'>('keep');
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const sharing = chat.kind !== 'group';

  async function add(event: Event, convertToGroup = false) {
    event.preventDefault();
    setError('');
    const personIds = ids.split(/[\s,]+/).filter(Boolean);
    if (personIds.length === 0) return;
    try {
      await client.rest.POST('/v1/chats/{chatId}/participants', {
        params: { path: { chatId: chat.id } },
        body: { personIds, ...(convertToGroup ? { convertToGroup: true } : {}) },
      });
      setIds('');
      setConversion('');
      setStatus(`Added ${personIds.join(', ')}`);
      await onChanged();
    } catch (failure) {
      // S5: adding a client turns the chat into a group for good; ask before doing it.
      if (failure instanceof HuddleError && failure.code === 'conversion_required')
        setConversion(failure.message);
      else setError(problemText(failure));
    }
  }

  async function remove(event: Event) {
    event.preventDefault();
    if (!removing?.id) return;
    try {
      await client.rest.DELETE('/v1/chats/{chatId}/participants/{personId}', {
        params: { path: { chatId: chat.id, personId: removing.id }, query: { messages: keep } },
      });
      setStatus(`Removed ${removing.name}`);
      setRemoving(null);
      await onChanged();
    } catch (failure) {
      setError(problemText(failure));
    }
  }

  return (
    <Dialog title={sharing && canAdd ? 'Share this chat' : 'People'} onClose={onClose}>
      <ul class="participants" aria-label="Participants">
        {participants.map((participant, index) => (
          <li key={participant.id ?? `hidden-${index}`}>
            <span>
              <strong>{participant.name}</strong>
              <small>{participant.role}</small>
            </span>
            {canRemove &&
              participant.id &&
              participant.id !== me.id &&
              participant.role !== 'owner' &&
              !(sharing && participant.role === 'client') && (
                <button type="button" onClick={() => setRemoving(participant)}>
                  Remove {participant.name}
                </button>
              )}
          </li>
        ))}
      </ul>
      {removing && (
        <form class="form" onSubmit={remove} aria-label={`Remove ${removing.name}`}>
          <fieldset>
            <legend>Their messages</legend>
            <label>
              <input type="radio" name="keep" checked={keep === 'keep'} onChange={() => setKeep('keep')} />
              Keep them, shown as "Former participant"
            </label>
            <label>
              <input
                type="radio"
                name="keep"
                checked={keep === 'delete'}
                onChange={() => setKeep('delete')}
              />
              Delete them and the threads they started
            </label>
          </fieldset>
          <div class="form-actions">
            <button type="submit" class="danger">
              Remove {removing.name}
            </button>
            <button type="button" onClick={() => setRemoving(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {canAdd && !removing && (
        <form class="form" onSubmit={(event) => add(event)}>
          <label>
            {sharing ? 'Share with team members (person ids)' : 'Add people (person ids)'}
            <input value={ids} placeholder="e.g. leo, sam" onInput={(e) => setIds(e.currentTarget.value)} />
          </label>
          {conversion ? (
            <div role="alert" class="warning">
              <p>{conversion}</p>
              <button type="button" class="primary" onClick={(event) => add(event, true)}>
                Add and turn into a group
              </button>
            </div>
          ) : (
            <div class="form-actions">
              <button type="submit" class="primary">
                {sharing ? 'Share' : 'Add'}
              </button>
            </div>
          )}
        </form>
      )}
      <p class="status" role="status">
        {status}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </Dialog>
  );
}
