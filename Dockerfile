# syntax=docker/dockerfile:1
# Node 24, the current LTS (Node 20 reached end of life on 2026-04-30; package.json still allows
# >=20.18 for those who run it from source, and the suite runs on both: npm test, npm run test:node24).
# Build: compile TypeScript and the native SQLite binding with the toolchain; ship only the result.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are here; the one native
# dependency that must build (sqlite3) is built explicitly below.
RUN npm ci --ignore-scripts && npm rebuild sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
# /metrics and /healthz listen on every interface of the container, so Prometheus in another
# container can scrape them (outside a container the default stays 127.0.0.1). Publish the port
# only to networks that should read it: deploy/compose.yaml keeps it on the compose network.
ENV NODE_ENV=production \
    TRIBUTARY_DATA_DIR=/data \
    TRIBUTARY_HTTP_HOST=0.0.0.0 \
    TRIBUTARY_HTTP_PORT=9464
WORKDIR /app
# The daily report's chart draws Japanese labels with IPAex Gothic (src/monitor/chart.ts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-ipaexfont-gothic \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9464
# /healthz answers 200 only when the RPC endpoint, the store and the chat adapters are all up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.TRIBUTARY_HTTP_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A 1 MB young generation keeps an idle bot near 100 MB at a cost of a few percent of speed (bench/RESULTS.md).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--v8-pool-size=1", "dist/src/cli/main.js"]
CMD ["start"]
