#!/usr/bin/env bash
# Builds the server and writes a self-contained production folder (dist + production node_modules) to $1.
# Used by the Dockerfile's build stage and by CI, so both run the same commands.
set -euo pipefail
out="${1:?usage: build-release.sh OUTPUT_DIR}"
export CI=true TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
pnpm install --frozen-lockfile
pnpm exec turbo run build --filter=@claude-proxy/server... --output-logs=errors-only
rm -rf "$out"
pnpm --filter @claude-proxy/server deploy --prod --legacy "$out" >/dev/null
test -f "$out/dist/main.js"
echo "release written to $out"
