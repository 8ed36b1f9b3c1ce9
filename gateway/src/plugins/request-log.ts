import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Polled by machines (probes, scrapes, the launcher waiting for /readyz): requests logged at debug. */
    polled?: boolean;
  }
}

const polled = (request: FastifyRequest) => request.routeOptions?.config?.polled === true;

/**
 * Fastify's request log, with the requests of polled routes at debug instead
 * of info: a readiness probe every few seconds (or `npm start` waiting for
 * /readyz twice a second) would otherwise bury every other line. Failures of
 * those routes still log as any other.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>) {
    if (!polled(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ) {
    if (error || !polled(request)) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}
