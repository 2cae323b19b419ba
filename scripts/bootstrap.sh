#!/usr/bin/env bash
# Idempotent set-up of everything this project needs on a fresh Debian machine of this kind:
# Debian packages (CNI plugins, iproute2, the wasm toolchain with rustfmt, clippy and binaryen, the
# crates the engine uses, zstd for the packed executable, containerd and runc for the runtime
# tier), the pinned Deno from the npm
# package `deno`, and the choice of Rust toolchain for wasm. Both README commands call it
# (through scripts/deno). A second run takes milliseconds.
#
# Every step either succeeds or says which step failed, the command, the last lines of its
# output and what to do, and exits non-zero. No step waits on a host that does not answer:
# each network step has a time bound, and rustup is never asked to download anything.
set -Eeuo pipefail
# Anything outside step() that fails still says what and where, never exits silently.
trap 'rc=$?; printf "bootstrap: failed (exit %s) at line %s: %s\nbootstrap: what to do: fix what the line needs (see above), then run this again\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2; exit 1' ERR

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
DENO_VERSION=2.9.6
APT_PACKAGES=(
  containernetworking-plugins iproute2 jq openssl hyperfine procps util-linux curl iptables
  gcc libc6-dev libzstd-dev zstd
  rustc cargo rustfmt rust-clippy libstd-rust-dev-wasm32 lld librust-serde-json-dev
  librust-indexmap-dev binaryen containerd runc
)
STAMP="$TOOLS/bootstrap.stamp"
want_stamp="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
LOG="$TOOLS/bootstrap.log"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# step NAME HINT CMD...: runs CMD with its output in $LOG; on failure prints the step, the
# command, the output's last lines and HINT, and exits 1.
step() {
  local name=$1 hint=$2
  shift 2
  printf '\n== %s: %s\n' "$name" "$*" >>"$LOG"
  local rc=0
  "$@" >>"$LOG" 2>&1 || rc=$?
  ((rc == 0)) && return 0
  say "step \"$name\" failed (exit $rc)"
  say "command: $*"
  say "last lines of its output (all of it: $LOG):"
  tail -n 15 "$LOG" | sed 's/^/    /' >&2
  say "what to do: $hint"
  exit 1
}

# Fast path: this checkout was set up by this very script and nothing was removed since.
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" && -x "$TOOLS/bin/deno" &&
  -x /usr/lib/cni/bridge && -x /usr/bin/rustfmt && -x /usr/bin/cargo-clippy && -x /usr/bin/wasm-opt &&
  -x /usr/bin/containerd && -x /usr/sbin/runc ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  say "run as root: the set-up installs Debian packages and the tests create network namespaces"
  exit 1
fi
mkdir -p "$TOOLS" || { say "cannot create $TOOLS"; exit 1; }
: >"$LOG"

# Which packages are missing. dpkg-query exits 1 when it knows none of a name, so ask one
# package at a time and read "not installed" from the answer, never from the exit code.
missing=()
for p in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

apt_opts=(-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30 -o Acquire::Retries=2 -o DPkg::Lock::Timeout=120)
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update" "check that Debian's package repository is reachable (/etc/apt/sources.list*), then run this again" \
    timeout 600 apt-get "${apt_opts[@]}" update -qq
  step "apt-get install" "install the packages named above by hand (apt-get install ...) to see why, then run this again" \
    timeout 1200 apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v npm >/dev/null; then
  say "installing Node.js and npm from Debian (npm fetches the pinned Deno)"
  step "install npm" "install Node.js and npm (apt-get install nodejs npm), then run this again" \
    timeout 1200 apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends nodejs npm
fi

deno_bin="$TOOLS/npm/node_modules/@deno/linux-x64-glibc/deno"
if [[ ! -x "$deno_bin" ]] || [[ "$("$deno_bin" --version 2>/dev/null | head -n1 | cut -d' ' -f2)" != "$DENO_VERSION" ]]; then
  say "installing deno $DENO_VERSION from the npm registry"
  step "npm install deno" "check that the npm registry is reachable (npm ping), then run this again" \
    timeout 600 npm install --prefix "$TOOLS/npm" --no-audit --no-fund --ignore-scripts --no-save \
    --fetch-timeout=60000 --fetch-retries=2 "deno@$DENO_VERSION" "@deno/linux-x64-glibc@$DENO_VERSION"
  step "check deno" "the npm package @deno/linux-x64-glibc@$DENO_VERSION did not give a working deno: remove $TOOLS/npm and run this again" \
    "$deno_bin" --version
fi
mkdir -p "$TOOLS/bin"
ln -sf "$deno_bin" "$TOOLS/bin/deno"

# The wasm toolchain: rustup's, only where its wasm32 target is already installed (rustup's
# download host is unreachable on these machines, so adding it is never attempted);
# otherwise Debian's rustc 1.63 with libstd-rust-dev-wasm32, rustfmt and clippy. Crate
# sources always come from Debian's /usr/share/cargo/registry (crates.io is unreachable)
# through cargo source replacement.
toolchain="$TOOLS/wasm-toolchain.env"
rustup_cargo=
if command -v rustup >/dev/null &&
  timeout 10 rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup_cargo=$(timeout 10 rustup which cargo 2>/dev/null || true)
fi
if [[ -n $rustup_cargo ]]; then
  printf 'WASM_CARGO=%s\nWASM_RUSTC=%s\nWASM_BIN_DIR=%s\nWASM_TOOLCHAIN=rustup\n' \
    "$rustup_cargo" "$(rustup which rustc)" "$(dirname "$rustup_cargo")" >"$toolchain"
else
  printf 'WASM_CARGO=/usr/bin/cargo\nWASM_RUSTC=/usr/bin/rustc\nWASM_BIN_DIR=/usr/bin\nWASM_TOOLCHAIN=debian\n' >"$toolchain"
  step "check Debian's Rust" "install rustc, cargo, rustfmt and rust-clippy from Debian, then run this again" \
    env PATH=/usr/bin:/bin /usr/bin/cargo fmt --version
  step "check Debian's clippy" "install rust-clippy from Debian, then run this again" \
    env PATH=/usr/bin:/bin /usr/bin/cargo clippy --version
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
