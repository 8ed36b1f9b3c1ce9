import { fileURLToPath } from 'node:url';
import type { Logger } from '@huddle/logging';
import { type RunningService, runService } from '@huddle/runtime';
import { pdfExportWriter } from './adapters/export-pdf';
import { Attachments } from './app/attachments';
import { Chats } from './app/chats';
import { Exports, ExportWorker } from './app/exports';
import { Meetings, zoomApi } from './app/meetings';
import { Messages } from './app/messages';
import { ChatParticipants } from './app/participants';
import { Programs } from './app/programs';
import { Reactions } from './app/reactions';
import { RetentionJob, RetentionSettings } from './app/retention';
import { ScheduledMessages, Scheduler } from './app/scheduled';
import { Search } from './app/search';
import type { ChatConfig } from './config';
import { searchLanguages } from './domain/search';
import { membershipConsumer } from './events/consumers';
import { messageCounters } from './metrics';
import { remotePorts } from './rpc/clients';
import { chatRpc } from './rpc/handlers';
import { exportSource, exportsStore } from './store/exports';
import { filesystemStore } from './store/files';
import { chatStore } from './store/repositories';

const migrationsFolder = fileURLToPath(new URL('./store/migrations', import.meta.url));

/** The chat service: chats, messages, threads, pins, revisions, read markers, attachments. */
export function startChatService(config: ChatConfig, logger?: Logger): Promise<RunningService> {
  return runService({
    name: 'chat',
    config: config.runtime,
    migrationsFolder,
    logger,
    build: ({ db, outbox, logger: serviceLogger }) => {
      const remote = remotePorts(config.services);
      const files = filesystemStore(config.attachments.directory);
      const attachments = new Attachments(db.db, chatStore, files, config.attachments.maxBytes);
      const chats = new Chats(db.db, outbox, chatStore, remote.policy, remote.participants);
      const languageOf = searchLanguages(config.search.language, config.search.practiceLanguages);
      const messages = new Messages(
        db.db,
        outbox,
        chatStore,
        chats,
        attachments,
        messageCounters(),
        languageOf,
      );
      const participants = new ChatParticipants(
        outbox,
        chatStore,
        chats,
        remote.participants,
        remote.directory,
        remote.policy,
      );
      const meetings = new Meetings(
        db.db,
        chatStore,
        chats,
        messages,
        remote.directory,
        zoomApi(config.meetings.zoomApiUrl),
        config.meetings.builtinBaseUrl,
      );
      const programs = new Programs(
        db.db,
        outbox,
        chatStore,
        remote.participants,
        participants,
        remote.directory,
      );
      const reactions = new Reactions(db.db, outbox, chatStore, chats);
      const search = new Search(db.db, chatStore, chats, languageOf);
      const scheduled = new ScheduledMessages(db.db, chatStore, chats, messages, attachments);
      const scheduler = new Scheduler(
        db.db,
        outbox,
        chatStore,
        messages,
        config.scheduler,
        serviceLogger.child({ component: 'scheduler' }),
      );
      scheduler.start();
      const retention = new RetentionSettings(db.db, outbox, chatStore, remote.directory);
      const retentionJob = new RetentionJob(
        db.db,
        outbox,
        chatStore,
        files,
        { now: () => new Date() },
        config.retention,
        serviceLogger.child({ component: 'retention' }),
      );
      retentionJob.start();
      const exportStore = { exports: exportsStore, chats: chatStore.chats };
      const exports = new Exports(db.db, exportStore, remote.directory);
      const exportWorker = new ExportWorker(
        db.db,
        exportStore,
        exportSource,
        remote.directory,
        pdfExportWriter,
        { ...config.exports, leaseMs: 60_000, maxAttempts: 3 },
        serviceLogger.child({ component: 'exports' }),
      );
      exportWorker.start();
      return {
        services: [
          chatRpc({
            chats,
            messages,
            attachments,
            participants,
            programs,
            meetings,
            reactions,
            search,
            scheduled,
            retention,
            exports,
          }),
        ],
        consumers: [membershipConsumer()],
        stop: async () => {
          await Promise.all([scheduler.stop(), retentionJob.stop(), exportWorker.stop()]);
          remote.close();
        },
      };
    },
  });
}
