import { checkChannels, type PracticeChannels } from '../domain/outbound';
import type { NotificationStore, Reader, StoredChannels } from './ports';

const toChannels = (practiceId: string, stored: StoredChannels | undefined): PracticeChannels => ({
  practiceId,
  webhookUrl: stored?.webhookUrl ?? null,
  webhookSecretSet: Boolean(stored?.webhookSecret),
  emailEnabled: stored?.emailEnabled ?? false,
  includeContent: stored?.includeContent ?? false,
});

/** A practice's outbound channel settings (N1). */
export class ChannelSettings {
  constructor(
    private readonly db: Reader,
    private readonly store: Pick<NotificationStore, 'channels'>,
  ) {}

  async get(practiceId: string): Promise<PracticeChannels> {
    return toChannels(practiceId, await this.store.channels.get(this.db, practiceId));
  }

  /**
   * Replaces the settings. The secret is write-only: absent keeps the stored
   * one; no webhook URL forgets it.
   */
  async set(request: {
    practiceId: string;
    webhookUrl?: string | undefined;
    webhookSecret?: string | undefined;
    emailEnabled: boolean;
    includeContent: boolean;
  }): Promise<PracticeChannels> {
    return this.db.transaction(async (tx) => {
      const current = await this.store.channels.get(tx, request.practiceId);
      const webhookUrl = request.webhookUrl || null;
      const webhookSecret = request.webhookSecret || null;
      checkChannels({ webhookUrl, webhookSecret, secretAlreadySet: Boolean(current?.webhookSecret) });
      const saved = await this.store.channels.put(tx, {
        practiceId: request.practiceId,
        webhookUrl,
        webhookSecret: webhookUrl === null ? null : (webhookSecret ?? current?.webhookSecret ?? null),
        emailEnabled: request.emailEnabled,
        includeContent: request.includeContent,
      });
      return toChannels(request.practiceId, saved);
    });
  }
}
