import { randomBytes } from 'node:crypto';
import { buildApp, type GatewayDeps } from './app';
import { loadConfig } from './config';

/** Any call reaching a back end while only the documents are read is a bug, said loudly. */
const noBackEnd = (): never => {
  throw new Error('The gateway was built for its documents only: it has no back end');
};
const unreachable = <T extends object>() =>
  new Proxy({} as T, { get: (_target, name) => (name === 'then' ? undefined : noBackEnd) });

/**
 * The documents the gateway serves (`/openapi.json`, `/asyncapi.json`), read
 * from the app itself without listening or connecting to anything:
 * @huddle/client's types are generated from them (packages/client/scripts).
 */
export async function gatewayDocuments(): Promise<{ openapi: Record<string, unknown>; asyncapi: unknown }> {
  const config = loadConfig({ AUTH_JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent' });
  const deps: GatewayDeps = {
    services: {
      chat: unreachable(),
      participant: unreachable(),
      sharingPolicy: unreachable(),
      notification: unreachable(),
      audit: unreachable(),
    },
    // The hub listens for the feed's gaps as it is built; nothing else of the feed is used.
    realtime: {
      subscribe: noBackEnd,
      subscribeChat: noBackEnd,
      flush: noBackEnd,
      publish: noBackEnd,
      onGap: () => {},
    },
    realtimeLog: unreachable(),
    readiness: noBackEnd,
    audit: unreachable(),
  };
  const app = await buildApp(config, deps);
  try {
    const [openapi, asyncapi] = await Promise.all(
      ['/openapi.json', '/asyncapi.json'].map(async (url) =>
        (await app.inject({ method: 'GET', url })).json(),
      ),
    );
    return { openapi, asyncapi };
  } finally {
    await app.close();
  }
}
