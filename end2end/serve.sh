#!/usr/bin/env bash
# Starts a real Kura for the Playwright suite: a fresh data directory, an
# organisation with two accounts made through the CLI, then `kura serve` on
# the port Playwright chose. The first operator's one-time password is left
# in the data directory by the first start (no terminal attached).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${KURA_BIN:-$target/debug/kura}"
data="$here/.data"
port="${KURA_E2E_PORT:?KURA_E2E_PORT must be set}"

rm -rf "$data"
mkdir -p "$data"
export KURA_DATA_DIR="$data"
unset DATABASE_URL

"$bin" tenant create acme "アクメ株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org acme --login taro --role member --password-stdin >/dev/null
# A generated temporary password, as an operator would hand it over.
"$bin" user create --org acme --login hanako --role member \
  | sed -n 's/^temporary password.*: //p' > "$data/e2e-hanako-temporary-password.txt"

exec "$bin" serve --bind "127.0.0.1:$port" --site-root "${LEPTOS_SITE_ROOT:-$root/target/site}" >"$data/server.log" 2>&1
