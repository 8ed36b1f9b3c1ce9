import { runProcess } from '@huddle/runtime';
import { loadConfig } from './config';
import { startNotificationService } from './service';

const config = loadConfig();
await runProcess('notification', config.runtime.shutdownTimeoutMs, () => startNotificationService(config));
