#!/usr/bin/env bash
# Makes sure the system programs a command needs are present: `bash scripts/ensure-system-deps.sh chromium firefox-esr`.
# Used by scripts/test.sh, scripts/demo.sh and .ci/run; the requirements are listed once, in `describe` below.
# When some are missing: as root on a machine with apt-get, installs their Debian packages quietly; otherwise
# (or with CCB_NO_INSTALL=1) exits 1 at once with one message naming exactly what to install or set.
# A path given by environment variable (CHROMIUM_PATH, FIREFOX_PATH) is what the tests use, so it is checked
# as given and never "fixed" by installing a package.
set -euo pipefail

# describe REQUIREMENT: sets label, pkg (Debian package), var (environment override, may be empty) and
# where (the default: an absolute path, or a command name looked up in PATH).
describe() {
  case "$1" in
    chromium) label="Chromium" pkg=chromium var=CHROMIUM_PATH where=/usr/bin/chromium ;;
    firefox-esr) label="Firefox ESR" pkg=firefox-esr var=FIREFOX_PATH where=/usr/bin/firefox-esr ;;
    # The team gateway's tests start a throwaway PostgreSQL server (test/gateway/postgres.ts): any version.
    postgresql) label="PostgreSQL server" pkg=postgresql var= where='/usr/lib/postgresql/*/bin/initdb' ;;
    *)
      echo "ensure-system-deps: unknown requirement '$1' (known: chromium, firefox-esr, postgresql)" >&2
      exit 2
      ;;
  esac
}

present() { # present PATH-OR-GLOB-OR-COMMAND
  case "$1" in
    *'*'*)
      local match
      for match in $1; do [ -f "$match" ] && [ -x "$match" ] && return 0; done
      return 1
      ;;
    /*) [ -f "$1" ] && [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

if [ $# -eq 0 ]; then
  echo "usage: $0 REQUIREMENT... (chromium, firefox-esr, postgresql)" >&2
  exit 2
fi

packages=() # Debian packages to install
missing=()  # what is missing, for the messages
vars=()     # the environment variables that could point at them instead
bad_vars=() # environment variables set to something that is not there
for req in "$@"; do
  describe "$req"
  if [ -n "$var" ] && [ -n "${!var:-}" ]; then
    if present "${!var}"; then continue; fi
    if present "$where"; then
      bad_vars+=("$var=${!var} is not an executable file: point it at $label, or unset it to use $where.")
    else
      bad_vars+=("$var=${!var} is not an executable file: point it at $label, or unset it and install $pkg.")
      packages+=("$pkg")
      missing+=("$label ($where)")
    fi
  elif ! present "$where"; then
    packages+=("$pkg")
    missing+=("$label ($where)")
    if [ -n "$var" ]; then vars+=("$var"); fi
  fi
done

if [ ${#bad_vars[@]} -eq 0 ] && [ ${#packages[@]} -eq 0 ]; then exit 0; fi

join() { local sep="$1" out="$2"; shift 2; for x in "$@"; do out+="$sep$x"; done; printf '%s' "$out"; }
fail() {
  {
    if [ ${#bad_vars[@]} -gt 0 ]; then printf '%s\n' "${bad_vars[@]}"; fi
    if [ ${#packages[@]} -gt 0 ]; then
      echo "Missing: $(join ', ' "${missing[@]}")."
      printf 'Install: sudo apt-get install %s' "${packages[*]}"
      if [ ${#vars[@]} -gt 0 ]; then printf ' (or set %s)' "$(join ' / ' "${vars[@]}")"; fi
      echo
    fi
  } >&2
  exit 1
}

# A wrong CHROMIUM_PATH / FIREFOX_PATH is not something a package install would repair.
if [ ${#bad_vars[@]} -gt 0 ]; then fail; fi
if [ "$EUID" != 0 ] || [ -n "${CCB_NO_INSTALL:-}" ] || ! command -v apt-get >/dev/null 2>&1; then fail; fi

echo "Installing Debian's ${packages[*]}…"
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${packages[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  echo "apt-get could not install ${packages[*]} (its last lines are above)." >&2
  fail
fi
rm -f "$log"
for req in "$@"; do
  describe "$req"
  if [ -z "$var" ] || [ -z "${!var:-}" ]; then
    present "$where" || { echo "apt-get installed $pkg but $label is still not at $where." >&2; exit 1; }
  fi
done
