import type { App } from '../fastify-app';
import type { AuthRequirement } from './auth';

/** What every route of one route module shares. */
export interface RouteGroup {
  /** The OpenAPI tags of its routes. */
  tags: string[];
  /** Who may call its routes (plugins/auth.ts); they are then documented as bearer-secured. None: public. */
  auth?: AuthRequirement;
  /** Service routes: the scope the token must carry. */
  scope?: string;
}

const bearer = [{ bearer: [] }];

/**
 * A route module as an encapsulated plugin, in the spirit of fastify/demo's
 * autohooks: an `onRoute` hook in its own context gives each of its routes the
 * group's auth (route config, read by plugins/auth.ts) and its tags and
 * security (schema, read by the OpenAPI document), so no route repeats them.
 * Register it with `app.register(routes, deps)`.
 */
export function routeGroup<Deps extends object>(
  group: RouteGroup,
  routes: (app: App, deps: Deps) => void | Promise<void>,
) {
  const config = {
    ...(group.auth ? { auth: group.auth } : {}),
    ...(group.scope ? { scope: group.scope } : {}),
  };
  const documented = { tags: group.tags, ...(group.auth ? { security: bearer } : {}) };
  return async (app: App, deps: Deps) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...config, ...route.config };
      route.schema = { ...route.schema, ...documented };
    });
    await routes(app, deps);
  };
}
