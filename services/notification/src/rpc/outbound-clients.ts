import { participantV1 } from '@huddle/contracts';
import { connect } from '@huddle/grpc';
import nodemailer from 'nodemailer';
import type { Mailer, People, WebhookPoster } from '../app/outbound-ports';

const WEBHOOK_TIMEOUT_MS = 10_000;

/** Webhooks over fetch: 10 s per attempt, no redirects followed; the receiver's body is dropped. */
export function httpWebhooks(): WebhookPoster {
  return {
    post: async ({ url, headers, body, signal }) => {
      const reply = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      await reply.body?.cancel();
      return { status: reply.status };
    },
  };
}

/** Email over SMTP (nodemailer), from one configured sender. */
export function smtpMailer(smtpUrl: string, from: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    send: async (mail) => void (await transport.sendMail({ from, ...mail })),
    close: () => transport.close(),
  };
}

/** People's email addresses from the participant service's directory. */
export function remotePeople(address: string): People & { close(): void } {
  const participant = connect(participantV1.ParticipantServiceService, address);
  return {
    emails: async (practiceId, personIds) => {
      const { people } = await participant.getPeople({ practiceId, personIds });
      return new Map(people.filter((person) => person.email).map((person) => [person.id, person.email!]));
    },
    close: () => participant.close(),
  };
}
