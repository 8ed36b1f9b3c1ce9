import fastifyStatic from '@fastify/static';
import { HuddleError } from '@huddle/errors';
import { SignJWT } from 'jose';
import Type from 'typebox';
import type { GatewayConfig } from '../config';
import { demoPeople, demoPractice } from '../dev/demo-practice';
import type { App } from '../fastify-app';
import type { ParticipantRpc } from '../services';

export interface WebAppDeps {
  webApp: GatewayConfig['webApp'];
  auth: GatewayConfig['auth'];
  participant: Pick<ParticipantRpc, 'getPeople'>;
}

/** A development token lasts a working day, like `npm run token`'s default. */
const devTokenTtl = '12h';

/** The app talks to this gateway only; its files never run code from elsewhere. */
const contentSecurityPolicy = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob: https:",
  "style-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The reference web app (web/) at /app, from the folder `WEB_APP_DIR` names, and, when
 * `DEV_SIGN_IN` is on (only `npm start` sets it, beside its development secret), a sign-in
 * for the demo practice's people. Neither is part of the documented API.
 */
export async function webAppPlugin(app: App, deps: WebAppDeps) {
  const { dir, devSignIn } = deps.webApp;
  if (dir) {
    app.get('/app', { schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));
    await app.register(async (files) => {
      files.addHook('onSend', async (_request, reply) => {
        reply.header('content-security-policy', contentSecurityPolicy);
      });
      await files.register(fastifyStatic, { root: dir, prefix: '/app/', schemaHide: true });
    });
  }
  if (devSignIn && deps.auth.jwtSecret) devSignInRoutes(app, deps, deps.auth.jwtSecret);
}

const DevPerson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  about: Type.String(),
});

function devSignInRoutes(app: App, deps: WebAppDeps, secret: string) {
  const key = new TextEncoder().encode(secret);
  /** The demo people the directory holds now: none until `npm run seed` has run. */
  const seededPeople = async () => {
    const { people } = await deps.participant.getPeople({
      practiceId: demoPractice.id,
      personIds: demoPeople.map((person) => person.id),
    });
    const seeded = new Map(people.map((person) => [person.id, person]));
    return demoPeople.flatMap((demo) => {
      const person = seeded.get(demo.id);
      return person
        ? [
            {
              id: person.id,
              name: `${person.firstName} ${person.lastName}`,
              kind: person.kind,
              about: demo.about,
            },
          ]
        : [];
    });
  };

  app.get(
    '/dev/people',
    {
      schema: {
        hide: true,
        response: {
          200: Type.Object({
            practice: Type.Object({ id: Type.String(), name: Type.String() }),
            people: Type.Array(DevPerson),
          }),
        },
      },
    },
    async () => ({
      practice: { id: demoPractice.id, name: demoPractice.name },
      people: await seededPeople(),
    }),
  );

  app.post(
    '/dev/sign-in',
    {
      schema: {
        hide: true,
        body: Type.Object(
          { personId: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ token: Type.String(), practiceId: Type.String() }) },
      },
    },
    async (request) => {
      const { personId } = request.body;
      if (!(await seededPeople()).some((person) => person.id === personId)) {
        throw new HuddleError('not_found', 'No such person in the demo practice; run `npm run seed` first');
      }
      let jwt = new SignJWT({ practice: demoPractice.id })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(personId)
        .setIssuedAt()
        .setExpirationTime(devTokenTtl);
      if (deps.auth.issuer) jwt = jwt.setIssuer(deps.auth.issuer);
      if (deps.auth.audience) jwt = jwt.setAudience(deps.auth.audience);
      return { token: await jwt.sign(key), practiceId: demoPractice.id };
    },
  );
}
