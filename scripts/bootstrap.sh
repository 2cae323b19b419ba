#!/usr/bin/env bash
# Idempotent set-up of everything this project needs on a fresh Debian machine of this kind:
# Debian packages (CNI plugins, iproute2, the wasm toolchain and the crates the engine uses),
# the pinned Deno from the npm package `deno`, and the choice of Rust toolchain for wasm.
# Both README commands call it (through scripts/deno). A second run takes milliseconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
DENO_VERSION=2.9.6
APT_PACKAGES=(
  containernetworking-plugins iproute2 jq openssl hyperfine procps util-linux curl iptables
  rustc cargo libstd-rust-dev-wasm32 lld librust-serde-json-dev librust-indexmap-dev
)
STAMP="$TOOLS/bootstrap.stamp"
want_stamp="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# Fast path: this checkout was set up by this very script and nothing was removed since.
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" && -x "$TOOLS/bin/deno" && -x /usr/lib/cni/bridge ]]; then
  exit 0
fi

missing=()
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null | grep 'install ok installed' | cut -d' ' -f1)
for p in "${APT_PACKAGES[@]}"; do
  grep -qx "$p" <<<"$installed" || missing+=("$p")
done

if [[ $(id -u) -ne 0 ]]; then
  say "run as root: the set-up installs Debian packages and the tests create network namespaces"
  exit 1
fi

if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v npm >/dev/null; then
  say "installing Node.js and npm from Debian (npm fetches the pinned Deno)"
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

deno_bin="$TOOLS/npm/node_modules/@deno/linux-x64-glibc/deno"
if [[ ! -x "$deno_bin" ]] || [[ "$("$deno_bin" --version | head -n1 | cut -d' ' -f2)" != "$DENO_VERSION" ]]; then
  say "installing deno $DENO_VERSION from the npm registry"
  mkdir -p "$TOOLS/npm"
  npm install --prefix "$TOOLS/npm" --no-audit --no-fund --ignore-scripts --no-save \
    "deno@$DENO_VERSION" "@deno/linux-x64-glibc@$DENO_VERSION" >/dev/null
fi
mkdir -p "$TOOLS/bin"
ln -sf "$deno_bin" "$TOOLS/bin/deno"

# The wasm toolchain: rustup's wasm32 target where it is installed or can be added; otherwise
# Debian's rustc 1.63 with libstd-rust-dev-wasm32. Crate sources always come from Debian's
# /usr/share/cargo/registry (crates.io is unreachable here) through cargo source replacement.
toolchain="$TOOLS/wasm-toolchain.env"
if command -v rustup >/dev/null &&
  { rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
    timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; }; then
  printf 'WASM_CARGO=%s\nWASM_RUSTC=%s\nWASM_TOOLCHAIN=rustup\n' \
    "$(rustup which cargo)" "$(rustup which rustc)" >"$toolchain"
else
  printf 'WASM_CARGO=/usr/bin/cargo\nWASM_RUSTC=/usr/bin/rustc\nWASM_TOOLCHAIN=debian\n' >"$toolchain"
fi
mkdir -p "$TOOLS/cargo-home"
cat >"$TOOLS/cargo-home/config.toml" <<'TOML'
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
TOML

printf '%s' "$want_stamp" >"$STAMP"
say "ready: deno $DENO_VERSION, wasm toolchain $(grep WASM_TOOLCHAIN "$toolchain" | cut -d= -f2)"
