import { runServiceProcess } from '@huddle/runtime/process';

// The runner reads the config, then starts telemetry, and only then imports the
// server: instrumentation patches http and gRPC as they load.
await runServiceProcess({
  name: 'gateway',
  config: () => import('./config').then(({ loadConfig }) => loadConfig()),
  settings: ({ telemetry, shutdownTimeoutMs }) => ({
    otlpEndpoint: telemetry.otlpEndpoint,
    shutdownTimeoutMs,
  }),
  start: (config) => import('./server').then(({ startGatewayProcess }) => startGatewayProcess(config)),
  ready: ({ url }) => ({ url }),
});
