import type { Participant } from '@huddle/client';
import { useRef, useState } from 'preact/hooks';
import { useSessionMe } from './context';
import { problemText } from './dialog';

interface Uploaded {
  id: string;
  filename: string;
}

/**
 * Writing a post or reply: structured @mentions picked from the participants the viewer
 * may name (G9: a hidden client has no id, so cannot be picked), files uploaded first and
 * attached by id, typing sent to the stream while writing.
 */
export function Composer({
  chatId,
  parentId,
  participants,
  disabledReason,
  label,
}: {
  chatId: string;
  parentId?: string;
  participants: Participant[];
  disabledReason: string | null;
  label: string;
}) {
  const { client, stream, me } = useSessionMe();
  const [body, setBody] = useState('');
  const [mentions, setMentions] = useState<Map<string, string>>(new Map());
  const [query, setQuery] = useState<string | null>(null);
  const [highlighted, setHighlighted] = useState(0);
  const [files, setFiles] = useState<Uploaded[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const listId = `mentions-${parentId ?? 'chat'}`;

  const candidates =
    query === null
      ? []
      : participants
          .filter((p) => p.id && p.id !== me.id)
          .filter((p) => p.name.toLowerCase().includes(query.toLowerCase()))
          .slice(0, 6);

  function onInput(value: string) {
    setBody(value);
    if (value) stream.typing(chatId);
    const caret = input.current?.selectionStart ?? value.length;
    const match = /(?:^|\s)@([^\s@]*)$/.exec(value.slice(0, caret));
    setQuery(match ? (match[1] ?? '') : null);
    setHighlighted(0);
  }

  function pick(participant: Participant) {
    const textarea = input.current;
    if (!textarea || !participant.id) return;
    const caret = textarea.selectionStart;
    const before = body.slice(0, caret).replace(/@([^\s@]*)$/, `@${participant.name} `);
    setBody(before + body.slice(caret));
    setMentions(new Map(mentions).set(participant.id, participant.name));
    setQuery(null);
    requestAnimationFrame(() => {
      textarea.focus();
      textarea.setSelectionRange(before.length, before.length);
    });
  }

  async function attach(list: FileList | null) {
    for (const file of Array.from(list ?? [])) {
      const form = new FormData();
      form.append('file', file);
      const response = await fetch('/v1/attachments', {
        method: 'POST',
        headers: { authorization: `Bearer ${await client.token()}` },
        body: form,
      });
      const answer = await response.json();
      if (!response.ok) return setError(answer.detail ?? 'The file could not be uploaded');
      setFiles((current) => [...current, { id: answer.id, filename: file.name }]);
    }
  }

  async function send(event?: Event) {
    event?.preventDefault();
    if (busy || (!body.trim() && files.length === 0)) return;
    setBusy(true);
    setError('');
    try {
      // Only mentions whose name is still in the text are sent: deleting the text drops the mention.
      const named = [...mentions].filter(([, name]) => body.includes(`@${name}`)).map(([id]) => id);
      await client.postMessage(chatId, {
        body: body.trim(),
        ...(parentId ? { parentId } : {}),
        ...(named.length ? { mentions: named } : {}),
        ...(files.length ? { attachmentIds: files.map((file) => file.id) } : {}),
      });
      setBody('');
      setMentions(new Map());
      setFiles([]);
    } catch (failure) {
      setError(problemText(failure));
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    if (candidates.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setHighlighted((highlighted + step + candidates.length) % candidates.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        pick(candidates[highlighted]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setQuery(null);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey) void send(event);
  }

  if (disabledReason) {
    return (
      <p class="composer-disabled" role="status">
        {disabledReason}
      </p>
    );
  }
  const inputId = `composer-${parentId ?? 'chat'}`;
  return (
    <form class="composer" onSubmit={send}>
      <label for={inputId} class="visually-hidden">
        {label}
      </label>
      <div class="composer-field">
        <textarea
          id={inputId}
          ref={input}
          rows={2}
          value={body}
          placeholder={`${label} (@ to mention)`}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={candidates.length ? `${listId}-${highlighted}` : undefined}
          onInput={(event) => onInput(event.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
        {candidates.length > 0 && (
          <div id={listId} class="mention-list" role="listbox" aria-label="People to mention">
            {candidates.map((candidate, index) => (
              <div
                key={candidate.id}
                tabIndex={-1}
                id={`${listId}-${index}`}
                role="option"
                aria-selected={index === highlighted}
                onMouseDown={(event) => {
                  event.preventDefault();
                  pick(candidate);
                }}
              >
                {candidate.name}
              </div>
            ))}
          </div>
        )}
      </div>
      {files.length > 0 && (
        <ul class="files" aria-label="Files to send">
          {files.map((file) => (
            <li key={file.id}>
              {file.filename}
              <button
                type="button"
                class="icon"
                aria-label={`Remove ${file.filename}`}
                onClick={() => setFiles(files.filter((f) => f.id !== file.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-actions">
        <input
          ref={fileInput}
          type="file"
          class="visually-hidden"
          id={`${inputId}-file`}
          multiple
          onChange={(event) => void attach(event.currentTarget.files)}
        />
        <button type="button" onClick={() => fileInput.current?.click()}>
          Attach file
        </button>
        <button type="submit" class="primary" disabled={busy}>
          Send
        </button>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </form>
  );
}
