import { runServiceProcess } from '@huddle/runtime/process';

// The runner reads the config, then starts telemetry, and only then imports the
// service: instrumentation patches http, pg and gRPC as they load.
await runServiceProcess({
  name: 'audit',
  config: () => import('./config').then(({ loadConfig }) => loadConfig()),
  settings: ({ runtime }) => ({
    otlpEndpoint: runtime.telemetry.otlpEndpoint,
    shutdownTimeoutMs: runtime.shutdownTimeoutMs,
  }),
  start: (config) => import('./service').then(({ startAuditService }) => startAuditService(config)),
  ready: ({ grpcPort, metricsPort }) => ({ grpcPort, metricsPort }),
});
