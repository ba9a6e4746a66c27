#!/usr/bin/env bash
# Installs Debian's `chromium` package with apt-get when /usr/bin/chromium is
# missing. The report tests (crates/ispm-report/tests/chromium.rs) run it
# headless to check that the page's scripts draw the charts and to take the
# screenshot in docs/report.png.
#
# Usage: deploy/local/install-chromium.sh
#
# Runs as root (CI and the development machines do). A second run only prints
# the installed version. Exits non-zero with the apt-get output on stderr when
# the install fails.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

log() {
  printf 'install-chromium: %s\n' "$*" >&2
}

if [[ -x "$CHROMIUM" ]]; then
  log "already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  log "$CHROMIUM is missing and apt-get needs root; run this script as root"
  exit 1
fi

if ! command -v apt-get >/dev/null; then
  log "$CHROMIUM is missing and apt-get was not found; install Chromium with the system's package manager"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

log "running apt-get update"
if ! apt-get update -qq; then
  log "apt-get update failed; check the network and the apt sources, then run this script again"
  exit 1
fi

# Fonts are listed explicitly so that text in the screenshots renders even on
# an image that ships no fonts.
log "installing chromium and fonts-dejavu-core with apt-get"
if ! apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; then
  log "apt-get install chromium failed; see the apt-get output above"
  exit 1
fi

if [[ ! -x "$CHROMIUM" ]]; then
  log "apt-get reported success but $CHROMIUM is still missing"
  exit 1
fi
log "installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
