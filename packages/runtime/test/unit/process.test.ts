import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFIG, stopInOrder } from '../../src/process';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry as `npm start` does (node with tsx), with only the given environment on top of PATH. */
function run(
  entry: string,
  env: Record<string, string>,
  onStdout?: (text: string, child: ChildProcess) => void,
) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<Ended>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const badEnv = { GRPC_PORT: 'abc', OTEL_EXPORTER_OTLP_ENDPOINT: 'not-a-url' };

// Each test starts a node process through tsx: slow on a busy machine, so they run side by side.
describe.concurrent('service runner (issue 15: one runner for every process)', () => {
  it.each(['chat', 'participant', 'sharing-policy', 'notification'])(
    '%s lists every config problem once, the OTLP endpoint among them, and exits 78',
    async (service) => {
      const ended = await run(`services/${service}/src/main.ts`, badEnv);

      expect(ended.code).toBe(EXIT_CONFIG);
      const problems = ended.stderr.split('\n').filter((line) => line.startsWith('  - '));
      expect(problems.sort()).toEqual([
        '  - GRPC_PORT: must be integer',
        '  - OTEL_EXPORTER_OTLP_ENDPOINT: must match format "uri"',
      ]);
      expect(ended.stderr).toMatch(new RegExp(`^${service}: Invalid configuration:`));
      expect(ended.stdout).toBe('');
    },
    60_000,
  );

  it('the gateway refuses a bad OTLP endpoint the same way', async () => {
    const ended = await run('gateway/src/main.ts', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not-a-url',
      AUTH_JWT_SECRET: 'x'.repeat(32),
    });

    expect(ended.code).toBe(EXIT_CONFIG);
    expect(ended.stderr).toBe(
      'gateway: Invalid configuration:\n  - OTEL_EXPORTER_OTLP_ENDPOINT: must match format "uri"\n',
    );
  }, 60_000);

  it('logs a stop that rejects instead of crashing on it, and exits 1', async () => {
    let signalled = false;
    const ended = await run('packages/runtime/test/fixtures/stop-fails.ts', {}, (stdout, child) => {
      if (!signalled && stdout.includes('fixture ready')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });

    expect(ended.code).toBe(1);
    const lines = ended.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.msg)).toEqual([
      'fixture ready',
      'fixture stopping',
      'stopping fixture failed',
    ]);
    expect(lines[2]).toMatchObject({ level: 50, err: { type: 'Error', message: 'the bus would not drain' } });
    expect(ended.stderr).toBe('');
  }, 60_000);
});

describe('stopInOrder', () => {
  it('goes on past a step that rejects, logs it, and reports the failure', async () => {
    const ran: string[] = [];
    const logged: Array<{ details: object; message: string }> = [];
    const logger = { error: (details: object, message: string) => void logged.push({ details, message }) };

    const stopped = await stopInOrder(
      [
        { what: 'grpc', stop: async () => void ran.push('grpc') },
        {
          what: 'nats',
          stop: async () => {
            ran.push('nats');
            throw new Error('drain timed out');
          },
        },
        { what: 'telemetry', stop: async () => void ran.push('telemetry') },
      ],
      logger as never,
    );

    expect(stopped).toBe(false);
    expect(ran).toEqual(['grpc', 'nats', 'telemetry']);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.message).toBe('stopping nats failed');
  });

  it('reports success when every step stops', async () => {
    expect(await stopInOrder([{ what: 'grpc', stop: async () => {} }], { error: () => {} } as never)).toBe(
      true,
    );
  });
});
