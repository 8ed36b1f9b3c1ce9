import { runProcess } from '@huddle/runtime';
import { loadConfig } from './config';
import { startChatService } from './service';

const config = loadConfig();
await runProcess('chat', config.runtime.shutdownTimeoutMs, () => startChatService(config));
