# syntax=docker/dockerfile:1
# One image per Huddle process, chosen by build argument:
#   docker build --build-arg COMPONENT=chat -t huddle/chat .
# COMPONENT is gateway, chat, participant, sharing-policy, notification or audit.
ARG NODE_IMAGE=node:20.19-bookworm-slim

# Every dependency, from the lock file.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# Development (the Tiltfile's target): the sources run under `tsx watch`, which
# restarts the process when Tilt's live_update syncs a change into src/.
FROM deps AS dev
ARG COMPONENT=gateway
ENV HUDDLE_COMPONENT=${COMPONENT} DATA_DIR=/tmp/huddle
RUN chown -R node:node /app/gateway /app/services /app/packages \
 && mkdir -p /var/lib/huddle/attachments && chown node:node /var/lib/huddle/attachments
USER node
CMD ["sh", "-c", "if [ \"$HUDDLE_COMPONENT\" = gateway ]; then entry=gateway/src/main.ts; else entry=services/$HUDDLE_COMPONENT/src/main.ts; fi; exec node_modules/.bin/tsx watch --clear-screen=false \"$entry\""]

# Build: compiled JavaScript (npm run build -> <workspace>/dist), then only
# production dependencies kept. The gateway's image also carries the reference
# web app (web/ built with Vite -> web/dist, static files only), which it serves
# at /app as `npm start` does; Vite is a dev dependency, so it builds before the prune.
FROM deps AS build
ARG COMPONENT=gateway
RUN npm run build -- "${COMPONENT}" \
 && if [ "${COMPONENT}" = gateway ]; then npm run build -- web; fi \
 && npm prune --omit=dev --no-audit --no-fund \
 && if [ "${COMPONENT}" = gateway ]; then workspace=gateway; else workspace="services/${COMPONENT}"; fi \
 && mkdir -p /out/component \
 && cp -r "${workspace}/package.json" "${workspace}/dist" /out/component/ \
 && if [ "${COMPONENT}" = gateway ]; then cp -r web/dist /out/component/web; fi

# Run: compiled code and production dependencies, no tsx, no sources, not root.
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (which drains and stops in order) and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ARG COMPONENT=gateway
ENV HUDDLE_COMPONENT=${COMPONENT}
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /out/component ./component
# Attachments (chat) and scratch space; the code itself stays read-only.
RUN mkdir -p /var/lib/huddle/attachments /tmp/huddle && chown node:node /var/lib/huddle/attachments /tmp/huddle
# The gateway serves the web app from here at /app; no other process reads WEB_APP_DIR
# (each config reads only its own keys), and only the gateway's image has the folder.
ENV DATA_DIR=/tmp/huddle WEB_APP_DIR=/app/component/web
USER node
WORKDIR /app/component
EXPOSE 8080 50051 50052 50053 50054 9461 9462 9463 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
