import type { ChatStore } from '../app/ports';
import { attachmentsStore } from './attachments';
import { chatsStore } from './chats';
import { membersStore } from './members';
import { messagesStore } from './messages';
import { reactionsStore } from './reactions';
import { retentionStore } from './retention';
import { scheduledStore } from './scheduled';
import { searchStore } from './search';
import { sharingStore } from './sharing';
import { zoomLinksStore } from './zoom-links';

/** The chat service's repositories on its PostgreSQL database, wired in `service.ts`. */
export const chatStore: ChatStore = {
  chats: chatsStore,
  members: membersStore,
  messages: messagesStore,
  reactions: reactionsStore,
  attachments: attachmentsStore,
  sharing: sharingStore,
  zoomLinks: zoomLinksStore,
  search: searchStore,
  scheduled: scheduledStore,
  retention: retentionStore,
};
