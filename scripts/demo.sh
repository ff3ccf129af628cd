#!/usr/bin/env bash
# `npm run demo`: on a fresh machine, install what is missing, build, start the sandbox provider with a
# demo org and agents, and launch Chromium with the extension configured against it on a demo lead page.
# With a display it opens a window; without one (or with --headless) it clicks Chat and Login itself,
# prints what happened and saves screenshots under demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install it (sudo apt-get install chromium) or set CHROMIUM_PATH." >&2
    exit 1
  fi
fi
if [ ! -d node_modules ]; then
  # npm install, not npm ci: this npm writes lockfiles without other platforms' optional packages
  # (biome, rollup binaries) and its own `npm ci` then rejects them. The lockfile still pins the tree.
  npm install --no-audit --no-fund
fi
echo "Building the extension (dev-hosts flavour)…"
CCB_DEV_HOSTS=1 npx wxt build >/tmp/ccb-demo-build.log 2>&1 || { cat /tmp/ccb-demo-build.log; exit 1; }
exec npx tsx scripts/demo.ts "$@"
