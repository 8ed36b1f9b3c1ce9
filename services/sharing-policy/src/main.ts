import { runProcess } from '@huddle/runtime';
import { loadConfig } from './config';
import { startSharingPolicyService } from './service';

const config = loadConfig();
await runProcess('sharing-policy', config.runtime.shutdownTimeoutMs, () => startSharingPolicyService(config));
