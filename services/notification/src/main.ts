import { startTelemetry } from '@huddle/telemetry';

// Telemetry first: its instrumentation patches http and gRPC as they load, so the rest is imported after it.
const telemetry = startTelemetry({
  serviceName: 'huddle-notification',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
});
const { runProcess } = await import('@huddle/runtime');
const { loadConfig } = await import('./config');
const { startNotificationService } = await import('./service');

const config = loadConfig();
await runProcess(
  'notification',
  config.runtime.shutdownTimeoutMs,
  () => startNotificationService(config),
  telemetry,
);
