#!/usr/bin/env bash
# `npm run demo`: on a fresh machine, install what is missing, build, start the sandbox provider with a
# demo org and agents, and launch Chromium with the extension configured against it on a demo lead page.
# With a display it opens a window; without one (or with --headless) it clicks Chat and Login itself,
# prints what happened and saves screenshots under demo-output/. `--team`: two agents through the team gateway.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh chromium
# The exact tree of package-lock.json (it lists every platform's optional binaries, so this works anywhere).
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
echo "Building the extension (dev-hosts flavour)…"
CCB_DEV_HOSTS=1 npx wxt build >/tmp/ccb-demo-build.log 2>&1 || { cat /tmp/ccb-demo-build.log; exit 1; }
# --team: two agents on one lead through the team gateway (scripts/demo-team.ts).
for arg in "$@"; do
  if [ "$arg" = "--team" ]; then exec npx tsx scripts/demo-team.ts "$@"; fi
done
exec npx tsx scripts/demo.ts "$@"
