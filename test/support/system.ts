import { loadConfig as auditConfig } from '@huddle/audit/src/config';
import { startAuditService } from '@huddle/audit/src/service';
import { loadConfig as chatConfig } from '@huddle/chat/src/config';
import { startChatService } from '@huddle/chat/src/service';
import { loadConfig as gatewayConfig } from '@huddle/gateway/src/config';
import { type RunningGateway, startGateway } from '@huddle/gateway/src/server';
import { createLogger, type DestinationStream } from '@huddle/logging';
import { loadConfig as notificationConfig } from '@huddle/notification/src/config';
import { startNotificationService } from '@huddle/notification/src/service';
import { loadConfig as participantConfig } from '@huddle/participant/src/config';
import { startParticipantService } from '@huddle/participant/src/service';
import type { RunningService } from '@huddle/runtime';
import { loadConfig as sharingPolicyConfig } from '@huddle/sharing-policy/src/config';
import { startSharingPolicyService } from '@huddle/sharing-policy/src/service';
import { freshDatabase, mintToken, startNatsServer } from '@huddle/testing';

export interface System {
  /** The gateway's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Every replica's gateway (see `replicas`), the first being `url`. */
  urls: string[];
  natsUrl: string;
  /** The first replica's Prometheus endpoints, e.g. `http://127.0.0.1:41235/metrics`. */
  metrics: Record<'gateway' | 'participant' | 'sharing-policy' | 'chat' | 'notification' | 'audit', string>;
  /** A person's token in a practice; one hour unless `expiresIn` (seconds or e.g. `15m`) says otherwise. */
  personToken(
    practiceId: string,
    personId: string,
    options?: { expiresIn?: string | number },
  ): Promise<string>;
  /** A service token (`svc:<name>`) with scopes. */
  serviceToken(practiceId: string, scope: string): Promise<string>;
  /** Another gateway beside the first, on the same services and NATS, with `env` on top of the system's; its base URL. */
  addGateway(env?: Record<string, string>): Promise<string>;
  /** Another gateway, as `addGateway`, that the test stops on its own. */
  startGateway(): Promise<RunningGateway>;
  /** Each service's database, e.g. to make it fail on purpose. */
  databaseUrls: Record<(typeof names)[number], string>;
  stop(): Promise<void>;
}

const SECRET = 'integration-test-secret-that-is-long-enough';
const names = ['participant', 'sharing-policy', 'chat', 'notification', 'audit'] as const;

/**
 * The whole system in this process, on real servers: a fresh PostgreSQL
 * database per service, a NATS server of its own, the five services and the
 * gateway on ephemeral ports, talking gRPC over loopback.
 */
export async function startSystem(
  label: string,
  /** Extra environment per process, e.g. `{ chat: { ZOOM_API_URL } }`. */
  env: {
    chat?: Record<string, string>;
    notification?: Record<string, string>;
    gateway?: Record<string, string>;
  } = {},
  /** Where every process logs, at `info`; a test reads the lines back from it. Silent when absent. */
  logs?: DestinationStream,
  options: {
    /**
     * Instances of every service and gateways (default 1), all on the same
     * databases and NATS. Replica n is a gateway calling the nth instance of
     * each service, whose own callers (chat and notification → participant
     * and sharing-policy, sharing-policy → participant) are the nth instances
     * too: traffic through both gateways reaches both instances of everything.
     */
    replicas?: number;
  } = {},
): Promise<System> {
  const logger = createLogger({
    service: 'test',
    level: logs ? 'info' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
    destination: logs,
  });
  const nats = await startNatsServer();
  const databases = await Promise.all(names.map((name) => freshDatabase(`${label}_${name}`)));
  const [participantDb, policyDb, chatDb, notificationDb, auditDb] = databases.map(
    (database) => database.url,
  );
  const common = {
    NATS_URL: nats.url,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  const running: Array<{ stop(): Promise<void> }> = [];
  const addresses = (service: RunningService) => `127.0.0.1:${service.grpcPort}`;
  /** One instance of each service, its callers given the addresses of the same replica's instances. */
  const startServices = async (replica: number) => {
    const log = (service: string) => logger.child(replica ? { service, replica } : { service });
    const participant = await startParticipantService(
      participantConfig({ ...common, DATABASE_URL: participantDb }),
      log('participant'),
    );
    running.push(participant);
    const sharingPolicy = await startSharingPolicyService(
      sharingPolicyConfig({ ...common, DATABASE_URL: policyDb, PARTICIPANT_ADDR: addresses(participant) }),
      log('sharing-policy'),
    );
    running.push(sharingPolicy);
    const peers = {
      PARTICIPANT_ADDR: addresses(participant),
      SHARING_POLICY_ADDR: addresses(sharingPolicy),
    };
    const chat = await startChatService(
      chatConfig({ ...common, ...peers, DATABASE_URL: chatDb, ...env.chat }),
      log('chat'),
    );
    running.push(chat);
    const notification = await startNotificationService(
      notificationConfig({ ...common, ...peers, DATABASE_URL: notificationDb, ...env.notification }),
      log('notification'),
    );
    running.push(notification);
    const audit = await startAuditService(auditConfig({ ...common, DATABASE_URL: auditDb }), log('audit'));
    running.push(audit);
    const gatewayEnv = {
      NATS_URL: nats.url,
      HOST: '127.0.0.1',
      PORT: '0',
      AUTH_JWT_SECRET: SECRET,
      // Five servers share this test process (and its event loop) with other test files: no load shedding.
      MAX_EVENT_LOOP_DELAY_MS: '0',
      MAX_EVENT_LOOP_UTILIZATION: '0',
      // Tests drive behaviour, not budgets: each of them makes hundreds of calls in a few seconds, far
      // faster than people would. test/integration/fairness.test.ts sets the gateway's default limits back.
      RATE_LIMIT_PER_MINUTE: '10000000',
      RATE_LIMIT_PRACTICE_PER_MINUTE: '10000000',
      PRACTICE_MAX_IN_FLIGHT: '10000',
      ...peers,
      CHAT_ADDR: addresses(chat),
      NOTIFICATION_ADDR: addresses(notification),
      AUDIT_ADDR: addresses(audit),
      ...env.gateway,
    };
    const startAnotherGateway = async (extra: Record<string, string> = {}) => {
      const gateway = await startGateway(gatewayConfig({ ...gatewayEnv, ...extra }), {
        logger: log('gateway'),
      });
      running.push(gateway);
      await untilReady(gateway.url);
      return gateway;
    };
    return { participant, sharingPolicy, chat, notification, audit, startAnotherGateway };
  };
  try {
    const first = await startServices(0);
    const { participant, sharingPolicy, chat, notification, audit, startAnotherGateway } = first;
    const addGateway = async (extra?: Record<string, string>) => (await startAnotherGateway(extra)).url;
    const url = await addGateway();
    const urls = [url];
    for (let replica = 1; replica < (options.replicas ?? 1); replica++) {
      urls.push((await (await startServices(replica)).startAnotherGateway()).url);
    }
    const metricsOf = (service: RunningService) => `http://127.0.0.1:${service.metricsPort}/metrics`;
    return {
      url,
      urls,
      metrics: {
        gateway: `${url}/metrics`,
        participant: metricsOf(participant),
        'sharing-policy': metricsOf(sharingPolicy),
        chat: metricsOf(chat),
        notification: metricsOf(notification),
        audit: metricsOf(audit),
      },
      addGateway,
      startGateway: () => startAnotherGateway(),
      databaseUrls: Object.fromEntries(
        names.map((name, index) => [name, databases[index]!.url]),
      ) as System['databaseUrls'],
      natsUrl: nats.url,
      personToken: (practice, sub, options = {}) => mintToken({ secret: SECRET, sub, practice, ...options }),
      serviceToken: (practice, scope) => mintToken({ secret: SECRET, sub: 'svc:test', practice, scope }),
      stop: async () => {
        for (const service of running.reverse()) await service.stop();
        await nats.stop();
        await Promise.all(databases.map((database) => database.drop()));
      },
    };
  } catch (error) {
    for (const service of running.reverse()) await service.stop().catch(() => {});
    await nats.stop();
    await Promise.all(databases.map((database) => database.drop()));
    throw error;
  }
}

/** As a deployment would: traffic only once /readyz says every service answers. */
export async function untilReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    (await fetch(`${url}/readyz`).then(
      (reply) => reply.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error(`${url} did not become ready in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
