export { checkHealth, connect, type Remote } from './client';
export { fromServiceError, toStatus } from './errors';
export { type GrpcServer, type Handlers, type Hosted, host, startGrpcServer } from './server';
