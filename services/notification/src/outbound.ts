import type { Database } from '@huddle/db';
import type { Logger } from '@huddle/logging';
import { smtpMailer } from './adapters/smtp';
import { httpWebhooks } from './adapters/webhooks';
import { ChannelSettings } from './app/channels';
import { Outbound } from './app/outbound';
import type { Participants } from './app/ports';
import type { NotificationConfig } from './config';
import { remotePeople } from './rpc/clients';
import { notificationStore } from './store/repositories';

/** Wires the outbound channels (N1) and starts their worker; `stop` lets in-flight sends finish. */
export function startOutbound(
  config: NotificationConfig,
  db: Database,
  participants: Participants,
  logger: Logger,
) {
  const people = remotePeople(config.services.participant);
  const { smtpUrl, from } = config.outbound.email;
  const mailer = smtpUrl ? smtpMailer(smtpUrl, from) : null;
  const outbound = new Outbound(
    db,
    notificationStore,
    config.outbound,
    { webhooks: httpWebhooks(), mailer, people, participants, clock: { now: () => new Date() } },
    logger.child({ component: 'outbound' }),
  );
  outbound.start();
  return {
    outbound,
    settings: new ChannelSettings(db, notificationStore),
    stop: async () => {
      await outbound.stop();
      mailer?.close();
      people.close();
    },
  };
}
