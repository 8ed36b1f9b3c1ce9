import type { ChatContextLoader } from '../presenter/chat-context';
import type { Services } from '../services';

/** What route modules are given: the services' clients and the chat contexts. */
export interface RouteDeps {
  services: Services;
  contexts: ChatContextLoader;
}
