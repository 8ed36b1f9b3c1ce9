export { type FreshDatabase, freshDatabase } from './database';
export {
  type NatsServer,
  NatsServerNotInstalledError,
  type NatsServerOptions,
  natsServerBinary,
  startNatsServer,
} from './nats';
export { mintToken, type TokenClaims } from './token';
