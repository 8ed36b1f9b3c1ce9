import type { Attachment, Message, Reply } from '@huddle/client';
import { useState } from 'preact/hooks';
import { useSessionMe } from './context';
import { problemText } from './dialog';
import { formatTime } from './notifications';

export interface MessageActions {
  /** Feed posts: open the thread. */
  onOpenThread?: () => void;
  /** G7: team members pin top-level feed posts. */
  canPin: boolean;
  /** G8: authors edit in feed chats. */
  canEdit: boolean;
}

/** One message as the viewer may see it (author presented by the gateway: G5, P2). */
export function MessageItem({ message, actions }: { message: Message | Reply; actions: MessageActions }) {
  const { client } = useSessionMe();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.body);
  const [error, setError] = useState('');
  const path = { chatId: message.chatId, messageId: message.id };

  async function run(action: () => Promise<unknown>) {
    setError('');
    try {
      await action();
    } catch (failure) {
      setError(problemText(failure));
    }
  }

  if (message.deletedAt) {
    return (
      <article class="message deleted" aria-label="Deleted message">
        <p>This message was deleted.</p>
      </article>
    );
  }
  const replyCount = 'replyCount' in message ? message.replyCount : 0;
  return (
    <article
      class={`message ${message.pinned ? 'pinned' : ''}`}
      aria-label={`Message from ${message.author.name}`}
    >
      <header>
        <strong class="author">{message.author.name}</strong>
        {message.createdAt && <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>}
        {message.pinned && <span class="tag">Pinned</span>}
        {message.editedAt && <span class="tag">Edited</span>}
      </header>
      {editing ? (
        <form
          class="edit-form"
          onSubmit={(event) => {
            event.preventDefault();
            void run(async () => {
              await client.rest.PATCH('/v1/chats/{chatId}/messages/{messageId}', {
                params: { path },
                body: { body: draft },
              });
              setEditing(false);
            });
          }}
        >
          <label class="visually-hidden" for={`edit-${message.id}`}>
            Edit message
          </label>
          <textarea
            id={`edit-${message.id}`}
            value={draft}
            rows={3}
            ref={(element) => element?.focus()}
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        message.body && <p class="body">{message.body}</p>
      )}
      {message.attachments.length > 0 && (
        <ul class="files">
          {message.attachments.map((file) => (
            <li key={file.id}>
              <button type="button" class="link" onClick={() => void run(() => download(file))}>
                {file.filename ?? 'File'}
                {file.size !== null && ` (${formatSize(file.size)})`}
              </button>
            </li>
          ))}
        </ul>
      )}
      <footer class="message-actions">
        {actions.onOpenThread && (
          <button type="button" class="link" onClick={actions.onOpenThread}>
            {replyCount > 0 ? `${replyCount} ${replyCount === 1 ? 'reply' : 'replies'}` : 'Reply'}
          </button>
        )}
        {actions.canEdit && !editing && (
          <button
            type="button"
            class="link"
            onClick={() => {
              setDraft(message.body);
              setEditing(true);
            }}
          >
            Edit
          </button>
        )}
        {actions.canPin && (
          <button
            type="button"
            class="link"
            onClick={() =>
              void run(() =>
                message.pinned
                  ? client.rest.DELETE('/v1/chats/{chatId}/pins/{messageId}', { params: { path } })
                  : client.rest.PUT('/v1/chats/{chatId}/pins/{messageId}', { params: { path } }),
              )
            }
          >
            {message.pinned ? 'Unpin' : 'Pin'}
          </button>
        )}
      </footer>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </article>
  );

  /** Files need the bearer token, so they are fetched and handed to the browser as a download. */
  async function download(file: Attachment) {
    const response = await fetch(file.url, { headers: { authorization: `Bearer ${await client.token()}` } });
    if (!response.ok) throw new Error('The file is not available');
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = file.filename ?? 'file';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

const formatSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(0)} KB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
