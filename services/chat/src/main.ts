import { startTelemetry } from '@huddle/telemetry';

// Telemetry first: its instrumentation patches http and gRPC as they load, so the rest is imported after it.
const telemetry = startTelemetry({
  serviceName: 'huddle-chat',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
});
const { runProcess } = await import('@huddle/runtime');
const { loadConfig } = await import('./config');
const { startChatService } = await import('./service');

const config = loadConfig();
await runProcess('chat', config.runtime.shutdownTimeoutMs, () => startChatService(config), telemetry);
