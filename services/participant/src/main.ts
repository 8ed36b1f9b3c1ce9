import { runProcess } from '@huddle/runtime';
import { loadConfig } from './config';
import { startParticipantService } from './service';

const config = loadConfig();
await runProcess('participant', config.runtime.shutdownTimeoutMs, () => startParticipantService(config));
