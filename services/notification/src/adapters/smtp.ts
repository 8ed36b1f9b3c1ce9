import nodemailer from 'nodemailer';
import type { Mailer } from '../app/outbound-ports';

/** Email over SMTP (nodemailer), from one configured sender. */
export function smtpMailer(smtpUrl: string, from: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    send: async (mail) => void (await transport.sendMail({ from, ...mail })),
    close: () => transport.close(),
  };
}
