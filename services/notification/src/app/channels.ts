import { checkChannels, type PracticeChannels } from '../domain/outbound';
import { channelsStore, toChannels } from '../store/outbound';
import type { Reader } from './ports';

/** A practice's outbound channel settings (N1). */
export class ChannelSettings {
  constructor(private readonly db: Reader) {}

  async get(practiceId: string): Promise<PracticeChannels> {
    return toChannels(practiceId, await channelsStore.get(this.db, practiceId));
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
      const current = await channelsStore.get(tx, request.practiceId);
      const webhookUrl = request.webhookUrl || null;
      const webhookSecret = request.webhookSecret || null;
      checkChannels({ webhookUrl, webhookSecret, secretAlreadySet: Boolean(current?.webhookSecret) });
      const saved = await channelsStore.put(tx, {
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
