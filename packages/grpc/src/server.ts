import {
  type handleUnaryCall,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status,
} from '@grpc/grpc-js';
import { HuddleError } from '@huddle/errors';
import type { Logger } from '@huddle/logging';
import { inSpan, SpanStatusCode, secondsHistogram } from '@huddle/telemetry';
import { HealthImplementation } from 'grpc-health-check';
import { toStatus } from './errors';
import { rpcSpan, SpanKind } from './trace';

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer Req } ? Req : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer Res) => Buffer } ? Res : never;

/** A service implemented as plain async functions, one per RPC of its definition. */
export type Handlers<D extends ServiceDefinition> = {
  [K in keyof D]: (request: RequestOf<D[K]>) => Promise<ResponseOf<D[K]>>;
};

export interface Hosted {
  definition: ServiceDefinition;
  handlers: Record<string, (request: never) => Promise<unknown>>;
}

/** Pairs a ts-proto service definition with its handlers, checked against each other. */
export function host<D extends ServiceDefinition>(definition: D, handlers: Handlers<D>): Hosted {
  return { definition, handlers: handlers as Hosted['handlers'] };
}

export interface GrpcServer {
  readonly port: number;
  /** Serving status of the whole server for the standard health service. */
  setServing(serving: boolean): void;
  /** Stops accepting calls, lets in-flight ones finish, then forces close at the deadline. */
  stop(deadlineMs: number): Promise<void>;
}

/**
 * Starts a gRPC server hosting the given services and the standard health
 * service. Handlers throw HuddleError for expected failures; a library's error
 * that `mapError` recognizes (e.g. the database refusing a value) is answered
 * as the HuddleError it maps to; anything else is logged (the logger keeps
 * request content out) and answered INTERNAL.
 */
export async function startGrpcServer(options: {
  host: string;
  port: number;
  services: Hosted[];
  logger: Logger;
  mapError?: (error: unknown) => HuddleError | undefined;
}): Promise<GrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  const duration = secondsHistogram(
    'huddle_grpc_server_duration_seconds',
    'Time to answer a gRPC call, by service, method and status code',
  );
  for (const { definition, handlers } of options.services) {
    const implementation: Record<string, handleUnaryCall<unknown, unknown>> = {};
    for (const [name, method] of Object.entries(definition)) {
      const handler = handlers[name];
      if (!handler) throw new Error(`No handler for ${method.path}`);
      implementation[name] = (call, callback) => {
        const started = performance.now();
        // The caller's trace (from the metadata) goes on through the handler.
        const rpc = rpcSpan(method.path, SpanKind.SERVER, call.metadata);
        void inSpan(rpc.name, rpc.options, async (span) => {
          const outcome = await handler(call.request as never).then(
            (response) => ({ code: status.OK, response, failure: undefined }),
            (error: unknown) => {
              // A refusal: ours, or a library's error the service maps (e.g. a database constraint).
              const refusal = error instanceof HuddleError ? error : options.mapError?.(error);
              if (refusal) {
                if (refusal !== error) {
                  options.logger.warn(
                    { err: error, rpc: method.path, code: refusal.code },
                    'rpc refused by a library',
                  );
                }
                const failure = toStatus(refusal);
                return { code: failure.code ?? status.UNKNOWN, response: undefined, failure };
              }
              options.logger.error({ err: error, rpc: method.path }, 'rpc failed');
              span.setStatus({ code: SpanStatusCode.ERROR, message: 'Internal error' });
              const failure = { code: status.INTERNAL, details: 'Internal error' };
              return { code: status.INTERNAL, response: undefined, failure };
            },
          );
          span.setAttribute('rpc.grpc.status_code', outcome.code);
          duration.record((performance.now() - started) / 1000, {
            grpc_service: rpc.service,
            grpc_method: rpc.method,
            grpc_code: status[outcome.code],
          });
          if (outcome.failure) callback(outcome.failure);
          else callback(null, outcome.response);
        });
      };
    }
    server.addService(definition, implementation);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    setServing: (serving) => health.setStatus('', serving ? 'SERVING' : 'NOT_SERVING'),
    stop: (deadlineMs) =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        const timer = setTimeout(() => server.forceShutdown(), deadlineMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
