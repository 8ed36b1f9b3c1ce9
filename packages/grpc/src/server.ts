import {
  type handleUnaryCall,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status,
} from '@grpc/grpc-js';
import { HuddleError } from '@huddle/errors';
import type { Logger } from '@huddle/logging';
import { HealthImplementation } from 'grpc-health-check';
import { toStatus } from './errors';

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
  for (const { definition, handlers } of options.services) {
    const implementation: Record<string, handleUnaryCall<unknown, unknown>> = {};
    for (const [name, method] of Object.entries(definition)) {
      const handler = handlers[name];
      if (!handler) throw new Error(`No handler for ${method.path}`);
      implementation[name] = (call, callback) => {
        handler(call.request as never).then(
          (response) => callback(null, response),
          (error: unknown) => {
            if (error instanceof HuddleError) return callback(toStatus(error));
            const mapped = options.mapError?.(error);
            if (mapped) {
              options.logger.warn(
                { err: error, rpc: method.path, code: mapped.code },
                'rpc refused by a library',
              );
              return callback(toStatus(mapped));
            }
            options.logger.error({ err: error, rpc: method.path }, 'rpc failed');
            callback({ code: status.INTERNAL, details: 'Internal error' });
          },
        );
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
