import { startTelemetry } from '@huddle/telemetry';

// Telemetry first: its instrumentation patches http and gRPC as they load, so the rest is imported after it.
const telemetry = startTelemetry({
  serviceName: 'huddle-participant',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
});
const { runProcess } = await import('@huddle/runtime');
const { loadConfig } = await import('./config');
const { startParticipantService } = await import('./service');

const config = loadConfig();
await runProcess(
  'participant',
  config.runtime.shutdownTimeoutMs,
  () => startParticipantService(config),
  telemetry,
);
