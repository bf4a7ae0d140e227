# Shared set-up for .ci/start and .ci/test: installs what is missing, only
# from the package registries (crates.io, npm, Debian). Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The wasm-bindgen version the lock file pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust_tools() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wbg
  wbg="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    say "installing wasm-bindgen-cli $wbg (about 5 minutes, once)"
    # Not --locked: its lock names a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$wbg" --config 'resolver.incompatible-rust-versions="fallback"'
  fi
}

# Playwright and binaryen (wasm-opt for release builds) from npm.
ensure_node_tools() {
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      say "installing Node.js and npm (Debian)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "npm is required: install Node.js 20+ and npm" >&2
      exit 1
    fi
  fi
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ ! -x "$ROOT/end2end/node_modules/.bin/playwright" ] \
    || [ ! -d "$ROOT/end2end/node_modules/@axe-core/playwright" ]; then
    say "installing npm packages in end2end/ (Playwright, axe-core, binaryen)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
  fi
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  if [ "$(id -u)" = 0 ]; then
    say "installing Chromium (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is required for the browser tests: sudo apt-get install chromium" >&2
    exit 1
  fi
}

# The release build of the server and the site, with every static file
# precompressed (brotli by cargo-leptos; gzip again with gzip -9, which is
# about 15 % smaller than cargo-leptos' own gzip) for the server to send as is.
# cargo-leptos names kura.<hash>.wasm before it rewrites the split loader's
# name into it; it is renamed here to the hash of its final bytes (nothing
# refers to it but hash.txt), so the server can cache it for good. (kura.js
# cannot be: the loader imports it by name and it imports the loader; the
# server sees that its name is not its content's hash and has it revalidated.)
build_release_site() {
  cargo leptos build --release --precompress --split
  python3 - "$ROOT/target/site/pkg" "${CARGO_TARGET_DIR:-$ROOT/target}/release/hash.txt" <<'PY'
import base64, hashlib, pathlib, sys
pkg, hash_file = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lines = [l.split(":", 1) for l in hash_file.read_text().splitlines() if ":" in l]
hashes = {k.strip(): v.strip() for k, v in lines}
for kind in ("wasm",):
    old = pkg / f"kura.{hashes[kind]}.{kind}"
    true = base64.urlsafe_b64encode(hashlib.md5(old.read_bytes()).digest()).decode().rstrip("=")
    if true != hashes[kind]:
        for suffix in ("", ".br", ".gz"):
            src = pkg / f"kura.{hashes[kind]}.{kind}{suffix}"
            if src.exists():
                src.rename(pkg / f"kura.{true}.{kind}{suffix}")
        hashes[kind] = true
hash_file.write_text("".join(f"{k}: {v}\n" for k, v in hashes.items()))
PY
  local f
  for f in "$ROOT"/target/site/pkg/*; do
    case "$f" in *.br|*.gz) continue ;; esac
    gzip -9 -n -k -f "$f"
  done
}
