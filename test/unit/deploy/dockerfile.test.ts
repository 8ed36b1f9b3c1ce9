import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildTargets } from '../../../scripts/lib/components';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');

/** Instructions per stage, continuation lines joined, comments dropped. */
const stages = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => line.trim() && !line.trim().startsWith('#'))
  .reduce<string[][]>((all, line) => {
    if (/^FROM\s/i.test(line)) all.push([]);
    all.at(-1)?.push(line.trim());
    return all;
  }, []);
const stage = (name: string) =>
  stages.find((lines) => new RegExp(`^FROM .* AS ${name}$`, 'i').test(lines[0]!))!;
const [deps, build] = [stage('deps'), stage('build')];
const runtime = stages.at(-1)!;
const instruction = (stage: string[], name: string) => stage.filter((line) => line.startsWith(`${name} `));

describe('Dockerfile', () => {
  it('builds in one stage and runs in another, the default target', () => {
    expect(build[0]).toMatch(/^FROM deps AS build$/);
    expect(runtime[0]).toMatch(/ AS runtime$/);
    expect(runtime.join('\n')).toContain('COPY --from=build');
  });

  it('installs with npm ci from the lock file, compiles, then keeps production dependencies only', () => {
    const steps = [...instruction(deps, 'RUN'), ...instruction(build, 'RUN')].join('\n');
    expect(steps).toMatch(/npm ci\b/);
    expect(steps).not.toMatch(/npm install\b/);
    expect(steps).toMatch(/npm run build -- "\$\{COMPONENT\}"/);
    expect(steps).toMatch(/npm prune --omit=dev/);
  });

  it('builds any process by the COMPONENT build argument', () => {
    expect(dockerfile).toMatch(/ARG COMPONENT=gateway/);
    // `npm run build -- <name>` knows every process the image may be built for.
    expect(buildTargets.map((target) => target.name)).toEqual([
      'gateway',
      'chat',
      'participant',
      'sharing-policy',
      'notification',
      'audit',
    ]);
  });

  it('runs compiled JavaScript with node under tini, as a non-root user, with a health check', () => {
    expect(instruction(runtime, 'USER')).toEqual(['USER node']);
    expect(instruction(runtime, 'ENTRYPOINT')).toEqual(['ENTRYPOINT ["/usr/bin/tini", "--"]']);
    const [command] = instruction(runtime, 'CMD');
    expect(command).toMatch(/^CMD \["node", .*"dist\/main\.js"\]$/);
    expect(runtime.join('\n')).not.toMatch(/\btsx\b/);
    expect(instruction(runtime, 'HEALTHCHECK')).toEqual([expect.stringContaining('dist/healthcheck.js')]);
  });

  it('the gateway image carries the web app, built in the image, and serves it at /app as npm start does', () => {
    const steps = instruction(build, 'RUN').join('\n');
    // Built from the sources (web/dist itself is kept out of the context), before dev dependencies go.
    expect(steps).toMatch(/if \[ "\$\{COMPONENT\}" = gateway \]; then npm run build -- web; fi/);
    expect(steps.indexOf('npm run build -- web')).toBeLessThan(steps.indexOf('npm prune'));
    expect(steps).toMatch(
      /if \[ "\$\{COMPONENT\}" = gateway \]; then cp -r web\/dist \/out\/component\/web; fi/,
    );
    // /out/component is /app/component at run time, where WEB_APP_DIR points the gateway.
    expect(runtime).toContain('COPY --from=build --chown=root:root /out/component ./component');
    expect(instruction(runtime, 'WORKDIR')).toContain('WORKDIR /app');
    expect(instruction(runtime, 'ENV').join(' ')).toMatch(/\bWEB_APP_DIR=\/app\/component\/web\b/);
    expect(instruction(runtime, 'ENV').join(' ')).not.toMatch(/DEV_SIGN_IN/);
  });

  it('keeps local installs, data, git history and secrets out of the build context', () => {
    for (const entry of ['**/node_modules', '**/dist', '.data', '.git', '.env']) {
      expect(dockerignore).toContain(entry);
    }
  });
});
