#!/usr/bin/env bash
# `npm test`: everything a change must pass, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Preflight: the end-to-end tests need Chromium and Firefox ESR, the gateway's tests a PostgreSQL server
# (installed here as root on Debian, else a message naming what to install), and the npm packages (installed
# from the lockfile, as `npm run demo` does).
bash scripts/ensure-system-deps.sh chromium firefox-esr postgresql
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi

step() { printf '\n=== %s\n' "$*"; }
# Builds are quiet (Rollup chatters about zod's comments); their log is shown only when they fail.
build() { local log; log=$(mktemp); "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }; rm -f "$log"; }

step "Type check"
npm run --silent typecheck
step "Lint"
npm run --silent lint
step "Release builds (Chrome MV3, Firefox MV2)"
build npx wxt build
build npx wxt build -b firefox
step "Firefox add-on lint (web-ext)"
npx web-ext lint --source-dir .output/firefox-mv2 --output text --no-config-discovery
step "Content-script size budget"
npm run --silent size
step "Unit tests (vitest)"
npx vitest run
step "End-to-end builds (dev-hosts flavour) and tests in real Chromium and Firefox ESR against the sandbox"
CCB_DEV_HOSTS=1 build npx wxt build
CCB_DEV_HOSTS=1 build npx wxt build -b firefox
# The fleet flavour (all sites required, for self-hosted force-install): test/e2e/fleet.spec.ts packs it as a CRX.
# CCB_ALLOW_LOOPBACK: its policy points at the sandbox's http://127.0.0.1 provider, which a real fleet build
# (npm run build:fleet) refuses: provider URLs are https only.
CCB_FLEET=1 CCB_ALLOW_LOOPBACK=1 build npx wxt build
# Two phases: the browsers side by side (two workers), then the specs that write machine-wide browser policy
# (playwright.config.ts). The second runs even when the first fails, so one failure never hides another.
e2e_status=0
PLAYWRIGHT_HTML_OUTPUT_DIR=playwright-report/browsers npx playwright test --project=chromium --project=firefox || e2e_status=$?
PLAYWRIGHT_HTML_OUTPUT_DIR=playwright-report/policy npx playwright test --no-deps --project=chromium-policy --project=firefox-policy --output=test-results/policy || e2e_status=$?
[ "$e2e_status" -eq 0 ] || { echo "End-to-end tests failed (see above)."; exit "$e2e_status"; }
step "Benchmark smoke (exact counts only: provider round trips 2/1/1/0/1 in direct and team mode, one gateway request per team click, content-script bytes under budget)"
npm run --silent bench -- --smoke --no-build
