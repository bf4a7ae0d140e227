#!/usr/bin/env bash
# Starts a real Kura for the Playwright suite: a fresh data directory
# (.data/$KURA_E2E_SERVER), organisations and accounts made through the CLI,
# then `kura serve` on the port Playwright chose; with KURA_E2E_TLS=1 on the
# built-in HTTPS listener with a throw-away self-signed certificate. The
# first operator's one-time password is left in the data directory by the
# first start (no terminal attached).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${KURA_BIN:-$target/debug/kura}"
data="$here/.data/${KURA_E2E_SERVER:?KURA_E2E_SERVER must be set}"
port="${KURA_E2E_PORT:?KURA_E2E_PORT must be set}"

rm -rf "$data"
mkdir -p "$data"
export KURA_DATA_DIR="$data"
unset DATABASE_URL

"$bin" tenant create sample "サンプル株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org sample --login taro --role member --password-stdin >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org sample --login kanri --role admin --password-stdin >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org sample --login miru --role viewer --password-stdin >/dev/null
# A second organisation, to import the first one's CSV export into.
"$bin" tenant create second "セカンド株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org second --login kanri2 --role admin --password-stdin >/dev/null
# An organisation whose IP allowlist the operator will close to this network.
"$bin" tenant create fenced "フェンス株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org fenced --login kyo --role member --password-stdin >/dev/null
# The confirmations spec's own organisation (it declines and accepts dialogs there).
"$bin" tenant create kakunin "確認株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org kakunin --login kanri --role admin --password-stdin >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org kakunin --login kiroku --role member --password-stdin >/dev/null
# The search spec's own organisation (its register is imported by the spec).
"$bin" tenant create sagasu "検索確認株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org sagasu --login kanri --role admin --password-stdin >/dev/null
# The records spec's own organisation (a member corrects, an admin reads the history).
"$bin" tenant create kiroku "記録訂正株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org kiroku --login kanri --role admin --password-stdin >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org kiroku --login kaigo --role member --password-stdin >/dev/null
# The list spec's own organisation: it starts with an empty register.
"$bin" tenant create meibo "名簿確認株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org meibo --login kanri --role admin --password-stdin >/dev/null
# The every-page check's own organisation (axe-core and widths on each page).
"$bin" tenant create gamen "画面確認株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org gamen --login kanri --role admin --password-stdin >/dev/null
# The onboarding spec's organisation: categories, allowlist and idle logout.
"$bin" tenant create hajime "初期設定株式会社" >/dev/null
printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org hajime --login kanri --role admin --password-stdin >/dev/null
# The journeys' organisations: one per language and width (journeys.spec.ts).
for n in 1 2 3 4; do
  "$bin" tenant create "tabi$n" "旅程確認株式会社（$n）" >/dev/null
  printf '%s\n' "${E2E_MEMBER_PASSWORD:?}" | "$bin" user create --org "tabi$n" --login kanri --role admin --password-stdin >/dev/null
done
# The benchmark's register: enough people for full pages.
if [ -n "${KURA_E2E_SEED_PEOPLE:-}" ]; then
  "$bin" demo seed --org sample --people "$KURA_E2E_SEED_PEOPLE" >/dev/null
fi
# A generated temporary password, as an operator would hand it over.
"$bin" user create --org sample --login hanako --role member \
  | sed -n 's/^temporary password.*: //p' > "$data/e2e-hanako-temporary-password.txt"

# A first, brief start creates the first operator (one-time password in the
# data directory); only then a second operator with a known password is
# added, so both exist before Playwright sees the server.
"$bin" serve --bind 127.0.0.1:0 >"$data/first-start.log" 2>&1 &
first=$!
for _ in $(seq 1 100); do
  [ -s "$data/initial-operator-password.txt" ] && break
  sleep 0.1
done
kill "$first"
wait "$first" || true
printf '%s\n' "${E2E_OPERATOR_PASSWORD:?}" | "$bin" operator create e2e-ops --password-stdin >/dev/null

tls=()
if [ -n "${KURA_E2E_TLS:-}" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$data/tls-key.pem" -out "$data/tls-cert.pem" 2>/dev/null
  tls=(--tls-cert "$data/tls-cert.pem" --tls-key "$data/tls-key.pem")
fi
exec "$bin" serve --bind "127.0.0.1:$port" "${tls[@]}" --site-root "${LEPTOS_SITE_ROOT:-$root/target/site}" >"$data/server.log" 2>&1
