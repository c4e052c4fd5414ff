# Shared helpers for the set-up scripts: install what is missing, nothing else.
# Sourced by scripts/serve and scripts/test.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
# apt_install PKG... : installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}" >&2
  if [ "$APT_UPDATED" = 0 ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# The build needs GDAL's headers and library; the tools (ogrinfo, ogr2ogr) are used by tests.
need_gdal() {
  if ! command -v gdal-config >/dev/null 2>&1 || ! command -v ogrinfo >/dev/null 2>&1; then
    apt_install libgdal-dev gdal-bin pkg-config
  fi
}

# PostgreSQL with PostGIS, for the PostGIS round trip (tests/postgis.rs starts its own
# throw-away cluster from the server binaries under /usr/lib/postgresql/VERSION/bin): Debian's
# `postgresql` and the PostGIS package of the same major version.
need_postgis() {
  apt_install postgresql
  local version
  version="$( (ls /usr/lib/postgresql 2>/dev/null || true) | sort -n | tail -n 1)"
  if [ -z "$version" ]; then
    echo "error: postgresql is installed but /usr/lib/postgresql holds no server" >&2
    exit 1
  fi
  apt_install "postgresql-$version-postgis-3"
}

need_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      echo "error: cargo not found; install Rust (https://rustup.rs) first" >&2
      exit 1
    fi
  fi
  # The lint gate in scripts/test needs rustfmt and clippy.
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      rustup component add rustfmt clippy >&2
    fi
  fi
}

# The dashboard's browser libraries (web/package-lock.json), served by the binary under /vendor/.
need_web_packages() {
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  if [ ! -f "$ROOT/web/node_modules/.package-lock.json" ] \
     || [ "$ROOT/web/package-lock.json" -nt "$ROOT/web/node_modules/.package-lock.json" ]; then
    echo "==> npm ci --prefix web" >&2
    npm ci --prefix "$ROOT/web" --no-audit --no-fund >&2
  fi
}

# wait_until_serving PID PORT LOG: waits until the service started as PID answers on
# 127.0.0.1:PORT; when it exits first, shows the end of its LOG and stops the script.
wait_until_serving() {
    until curl -fs -o /dev/null "http://127.0.0.1:$2/"; do
        kill -0 "$1" 2>/dev/null || { echo "$(basename "$0"): serve exited" >&2; tail "$3" >&2; exit 1; }
        sleep 0.1
    done
}
