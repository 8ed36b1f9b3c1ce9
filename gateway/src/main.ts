import { startTelemetry } from '@huddle/telemetry';

// Telemetry first: its instrumentation patches http and gRPC as they load, so the rest is imported after it.
const telemetry = startTelemetry({
  serviceName: 'huddle-gateway',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
});
const { runGatewayProcess } = await import('./server');

await runGatewayProcess(telemetry).catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
