# syntax=docker/dockerfile:1
# Multi-stage build of claude-proxy. The build stage runs exactly the commands CI runs
# (scripts/build-release.sh), so a green CI means this image builds.

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY . .
RUN bash scripts/build-release.sh /release

FROM node:20-bookworm-slim AS runtime
# 8 MB semi-spaces keep the process's RSS about 20 MB below Node's default under load, with garbage
# collection still cheap (docs/deployment.md); override NODE_OPTIONS to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /release /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
