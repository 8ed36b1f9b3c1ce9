import {
  Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { inSpan } from '@huddle/telemetry';
import { service as healthService } from 'grpc-health-check';
import { fromServiceError } from './errors';
import { carryTrace, rpcSpan, SpanKind } from './trace';

type RequestOf<M> = M extends { requestSerialize: (value: infer Req) => Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer Res } ? Res : never;

/** A remote service as async functions that reject with HuddleError. */
export type Remote<D extends ServiceDefinition> = {
  [K in keyof D]: (request: RequestOf<D[K]>) => Promise<ResponseOf<D[K]>>;
} & { close(): void };

export interface ClientOptions {
  /** Per-call deadline. */
  timeoutMs?: number;
}

const channelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

/** Connects to a service by its ts-proto definition; one channel per call of this function. */
export function connect<D extends ServiceDefinition>(
  definition: D,
  address: string,
  { timeoutMs = 5_000 }: ClientOptions = {},
): Remote<D> {
  const client = new Client(address, credentials.createInsecure(), channelOptions);
  const remote: Record<string, unknown> = { close: () => client.close() };
  for (const [name, method] of Object.entries(definition)) {
    remote[name] = (request: unknown) => {
      const rpc = rpcSpan(method.path, SpanKind.CLIENT);
      return inSpan(
        rpc.name,
        rpc.options,
        (span) =>
          new Promise((resolve, reject) => {
            client.makeUnaryRequest(
              method.path,
              method.requestSerialize,
              method.responseDeserialize,
              request,
              // Wait (within the deadline) for a channel that is still connecting or reconnecting,
              // rather than failing at once while a peer restarts. The metadata carries the trace.
              carryTrace(new Metadata({ waitForReady: true })),
              { deadline: Date.now() + timeoutMs },
              (error: ServiceError | null, response?: unknown) => {
                span.setAttribute('rpc.grpc.status_code', error ? error.code : 0);
                if (error) reject(fromServiceError(error));
                else resolve(response);
              },
            );
          }),
      );
    };
  }
  return remote as Remote<D>;
}

const HealthClient = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'Health');

/** Asks a server's standard health service whether it is SERVING. */
export function checkHealth(address: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    (client as unknown as { check: Function }).check(
      { service: '' },
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response?: { status: string | number }) => {
        client.close();
        resolve(!error && (response?.status === 'SERVING' || response?.status === 1));
      },
    );
  });
}
