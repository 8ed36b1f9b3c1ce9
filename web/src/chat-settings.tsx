import type { Chat } from '@huddle/client';
import { useState } from 'preact/hooks';
import { useSessionMe } from './context';
import { Dialog, problemText } from './dialog';

/** G3, G4, G5, G6: the owner names the group, chooses its style and naming, hides identities, locks it. */
export function ChatSettings({ chat, onClose }: { chat: Chat; onClose: () => void }) {
  const { client } = useSessionMe();
  const [name, setName] = useState(chat.name);
  const [style, setStyle] = useState(chat.style);
  const [clientNaming, setClientNaming] = useState(chat.clientNaming);
  const [hide, setHide] = useState(chat.hideClientIdentities);
  const [locked, setLocked] = useState(chat.locked);
  const [error, setError] = useState('');

  async function save(event: Event) {
    event.preventDefault();
    try {
      await client.rest.PATCH('/v1/chats/{chatId}', {
        params: { path: { chatId: chat.id } },
        body: {
          name,
          style: style as 'feed' | 'direct',
          clientNaming: clientNaming as 'full' | 'first_initial' | 'first',
          hideClientIdentities: hide,
          locked,
        },
      });
      onClose();
    } catch (failure) {
      setError(problemText(failure));
    }
  }

  return (
    <Dialog title="Group settings" onClose={onClose}>
      <form class="form" onSubmit={save}>
        <label>
          Name
          <input value={name} required maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Style</legend>
          <label>
            <input type="radio" name="style" checked={style === 'feed'} onChange={() => setStyle('feed')} />
            Feed: posts with threads, pins
          </label>
          <label>
            <input
              type="radio"
              name="style"
              checked={style === 'direct'}
              onChange={() => setStyle('direct')}
            />
            Direct: a classic chat
          </label>
        </fieldset>
        <label>
          Clients see other clients as
          <select value={clientNaming} onChange={(e) => setClientNaming(e.currentTarget.value)}>
            <option value="full">Full name (Dana Smith)</option>
            <option value="first_initial">First name and initial (Dana S.)</option>
            <option value="first">First name (Dana)</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={hide} onChange={(e) => setHide(e.currentTarget.checked)} />
          Hide client identities from other clients
        </label>
        <label class="check">
          <input type="checkbox" checked={locked} onChange={(e) => setLocked(e.currentTarget.checked)} />
          Locked: only I can post
        </label>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="primary">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
