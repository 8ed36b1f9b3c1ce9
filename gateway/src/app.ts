import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import underPressure from '@fastify/under-pressure';
import websocket from '@fastify/websocket';
import { REALTIME_LOG_MAX_AGE_MS } from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { AuditRecorder } from './audit/port';
import type { GatewayConfig } from './config';
import type { App } from './fastify-app';
import { createKnownPeople } from './known-people';
import { installAudit } from './plugins/audit';
import { createAuthenticator, installAuth } from './plugins/auth';
import { installFairness } from './plugins/fairness';
import { installRequestMetrics } from './plugins/metrics';
import { optionalDefaultedParameters } from './plugins/openapi-parameters';
import { clientErrorHandler, frameworkErrors, installProblemHandlers } from './plugins/problems';
import { RequestLog } from './plugins/request-log';
import { validatorCompiler } from './plugins/validation';
import { webAppPlugin } from './plugins/web-app';
import { createChatContextLoader } from './presenter/chat-context';
import { StreamHub } from './realtime/hub';
import type { RealtimeFeed, RealtimeLog } from './realtime/port';
import { realtimePresenter } from './realtime/present';
import { TypingIndicators } from './realtime/typing';
import { attachmentRoutes } from './routes/attachments';
import { auditRoutes } from './routes/audit';
import { chatRoutes } from './routes/chats';
import { directChatRoutes } from './routes/direct';
import { directoryRoutes } from './routes/directory';
import { exportRoutes } from './routes/exports';
import { meRoutes } from './routes/me';
import { meetingRoutes } from './routes/meetings';
import { messageRoutes } from './routes/messages';
import { notificationRoutes } from './routes/notifications';
import { operationsRoutes, type Readiness } from './routes/operations';
import { participantRoutes } from './routes/participants';
import { pinRoutes } from './routes/pins';
import { programRoutes } from './routes/programs';
import { reactionRoutes } from './routes/reactions';
import { readMarkerRoutes } from './routes/read-markers';
import { receiptRoutes } from './routes/receipts';
import { retentionRoutes } from './routes/retention';
import { scheduledRoutes } from './routes/scheduled';
import { searchRoutes } from './routes/search';
import { sharingRoutes } from './routes/sharing';
import { streamRoutes } from './routes/stream';
import type { Services } from './services';

export interface GatewayDeps {
  services: Services;
  realtime: RealtimeFeed;
  /** Where a reconnecting socket's missed events are read from. */
  realtimeLog: RealtimeLog;
  readiness: () => Promise<Readiness>;
  /** Where audited routes' records go (C1). */
  audit: AuditRecorder;
  metricsText?: () => Promise<string>;
  /** Request logs go here; none when absent (unit tests). */
  logger?: Logger;
}

/** Limits that keep one client from taking the gateway's memory or time. */
const limits = {
  /** A post of 10,000 characters escaped as JSON stays well under this. */
  bodyBytes: 256 * 1024,
  socketBufferedBytes: 1024 * 1024,
  socketPendingEvents: 256,
  /** Clients send only small frames on the stream: typing, and a newer token (at most 8 KiB, as in ?access_token=). */
  socketFrameBytes: 10 * 1024,
};

/**
 * The request as logged: its path, never its query string, which carries the
 * stream's `access_token` and whatever else a caller puts there.
 */
const requestForLog = (request: FastifyRequest) => ({
  method: request.method,
  url: request.url.split('?')[0],
  remoteAddress: request.ip,
});

/**
 * The gateway as a fastify app: external plugins, then the gateway's own
 * (errors, validation, auth), then routes. It owns no data; everything it
 * serves comes from `deps`, which tests replace with in-memory fakes.
 */
export async function buildApp(config: Readonly<GatewayConfig>, deps: GatewayDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger?.child({}, { serializers: { req: requestForLog } }) as
      | FastifyBaseLogger
      | undefined,
    logController: new RequestLog(),
    bodyLimit: limits.bodyBytes,
    requestTimeout: 30_000,
    // Every answer is problem+json, also for URLs, headers and requests fastify refuses itself.
    frameworkErrors,
    clientErrorHandler,
    return503OnClosing: false,
    // Unique across gateways and restarts: the audit trail (C1) names requests by it.
    genReqId: () => randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only: any other body is 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  installProblemHandlers(app);
  installRequestMetrics(app);
  installAudit(app, deps.audit);

  await app.register(underPressure, {
    // 0 turns a check off (under-pressure's own convention).
    maxEventLoopDelay: config.loadShedding.maxEventLoopDelayMs,
    maxEventLoopUtilization: config.loadShedding.maxEventLoopUtilization,
    // It only measures: plugins/fairness.ts sheds, once it knows whose load it is.
    pressureHandler: () => undefined,
  });
  const authenticator = createAuthenticator(config.auth);
  const people = createKnownPeople(deps.services.participant);
  installAuth(app, authenticator, people);
  // After authentication (an earlier onRequest hook), so each request is charged to its caller and practice.
  installFairness(app, config.rateLimit, {
    underPressure: () => app.isUnderPressure(),
    unknownBodyBytes: config.attachments.maxBytes,
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Huddle API',
        version: '1',
        description: 'Secure group messaging for health practices. Errors are application/problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transformObject: (document) =>
      'openapiObject' in document
        ? optionalDefaultedParameters(document.openapiObject)
        : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(websocket, { options: { maxPayload: limits.socketFrameBytes } });

  const contexts = createChatContextLoader(deps.services.participant);
  const hub = new StreamHub(
    deps.realtime,
    realtimePresenter(deps.services.chat, contexts, deps.services.participant),
    app.log,
    {
      maxBufferedBytes: limits.socketBufferedBytes,
      maxPendingEvents: limits.socketPendingEvents,
      maxSocketsPerPerson: config.stream.maxSocketsPerPerson,
    },
    deps.realtimeLog,
    (person) =>
      deps.services.chat.listChatIds({ ...person, leftWithinSeconds: REALTIME_LOG_MAX_AGE_MS / 1000 }),
  );
  const routeDeps = { services: deps.services, contexts };

  await app.register(operationsRoutes, deps);
  await app.register(directoryRoutes, routeDeps);
  await app.register(meRoutes, routeDeps);
  await app.register(chatRoutes, routeDeps);
  await app.register(messageRoutes, routeDeps);
  await app.register(pinRoutes, routeDeps);
  await app.register(readMarkerRoutes, routeDeps);
  await app.register(reactionRoutes, routeDeps);
  await app.register(receiptRoutes, routeDeps);
  await app.register(searchRoutes, routeDeps);
  await app.register(exportRoutes, routeDeps);
  await app.register(scheduledRoutes, routeDeps);
  await app.register(directChatRoutes, routeDeps);
  await app.register(participantRoutes, routeDeps);
  await app.register(sharingRoutes, routeDeps);
  await app.register(programRoutes, routeDeps);
  await app.register(meetingRoutes, routeDeps);
  await app.register(notificationRoutes, routeDeps);
  await app.register(retentionRoutes, routeDeps);
  await app.register(auditRoutes, routeDeps);
  await app.register(attachmentRoutes, { ...routeDeps, attachments: config.attachments });
  await app.register(streamRoutes, {
    hub,
    typing: new TypingIndicators(deps.services.chat, contexts, deps.realtime),
    authenticator,
    people,
  });
  await app.register(webAppPlugin, {
    webApp: config.webApp,
    auth: config.auth,
    participant: deps.services.participant,
  });

  return app;
}
