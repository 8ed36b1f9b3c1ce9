/** Ports of the outbound channels (N1): the HTTP client, the mail server, the directory. */

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborts the post (the service is stopping). */
  signal: AbortSignal;
}

/** Posts one webhook; resolves with the receiver's status, rejects on network failure or timeout. */
export interface WebhookPoster {
  post(request: WebhookRequest): Promise<{ status: number }>;
}

export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
}

/** People's email addresses, from the participant service at send time. */
export interface People {
  emails(practiceId: string, personIds: string[]): Promise<Map<string, string>>;
}

export interface Clock {
  now(): Date;
}
