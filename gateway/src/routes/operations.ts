import Type from 'typebox';
import type { App } from '../fastify-app';
import { routeGroup } from '../plugins/route-group';
import { streamAsyncApi } from '../realtime/asyncapi';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface OperationsDeps {
  readiness: () => Promise<Readiness>;
  metricsText?: () => Promise<string>;
}

const ReadinessSchema = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Record(Type.String(), Type.Boolean()),
});

// Probes, scrapes and the document must answer even when the gateway sheds load or a caller is over its budget.
const operational = { cost: false } as const;
// Probes and scrapes come every few seconds: their requests are logged at debug (plugins/request-log.ts).
const polled = { ...operational, polled: true } as const;

export const operationsRoutes = routeGroup({ tags: ['operations'] }, operations);

function operations(app: App, { readiness, metricsText }: OperationsDeps) {
  app.get(
    '/healthz',
    {
      config: polled,
      schema: {
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: polled,
      schema: {
        summary: 'Readiness: the services and NATS the gateway needs answer',
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (request, reply) => {
      const result = await readiness().catch((error: unknown) => {
        request.log.warn({ err: error }, 'readiness check failed');
        return { ready: false, checks: {} };
      });
      return reply.code(result.ready ? 200 : 503).send(result);
    },
  );

  app.get(
    '/metrics',
    {
      config: polled,
      schema: {
        summary: 'Prometheus metrics',
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      const text = metricsText ? await metricsText() : '';
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  );

  app.get('/openapi.json', { config: operational, schema: { hide: true } }, async () => app.swagger());

  // The WebSocket's own document (AsyncAPI 3): REST is in /openapi.json, the stream's protocol here.
  const asyncApi = streamAsyncApi();
  app.get('/asyncapi.json', { config: operational, schema: { hide: true } }, async () => asyncApi);
}
