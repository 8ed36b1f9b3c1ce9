export { type FreshDatabase, freshDatabase } from './database';
export {
  type NatsServer,
  NatsServerNotInstalledError,
  type NatsServerOptions,
  natsServerBinary,
  startNatsServer,
} from './nats';
export {
  type PostgresCluster,
  type PostgresClusterOptions,
  PostgresNotInstalledError,
  type PostgresStopMode,
  postgresBinDir,
  startPostgresCluster,
} from './postgres';
export { mintToken, type TokenClaims } from './token';
