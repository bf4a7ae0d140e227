#!/usr/bin/env bash
# Screenshots of the main pages at 1280 and 390 px into docs/screenshots/,
# run by hand (never in CI) on a release build: so a reader sees the product
# without running it. Installs a Japanese font (Debian fonts-noto-cjk) first,
# because Chromium on a bare machine draws Japanese as boxes.
#   docs/screenshots/make.sh            (builds the release site if needed)
#   KURA_BIN=/path/to/kura docs/screenshots/make.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../.ci/lib.sh
source "$ROOT/.ci/lib.sh"
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  say "installing a Japanese font (fonts-noto-cjk)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
  fi
fi
ensure_node_tools
ensure_chromium
export KURA_BIN="${KURA_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/kura}"
if [ ! -x "$KURA_BIN" ]; then
  ensure_rust_tools
  (cd "$ROOT" && build_release_site)
fi
cd "$ROOT/end2end"
npx playwright test -c screenshots.config.ts
say "screenshots written to docs/screenshots/"
