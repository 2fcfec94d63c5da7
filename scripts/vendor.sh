#!/usr/bin/env bash
# scripts/vendor.sh — fetch the front-end libraries Loket serves itself (no CDN).
#
# What it does:
#   * `npm pack htmx.org@2.0.11` and `npm pack socket.io-client@4.8.x` (the
#     latest 4.8 patch, resolved with `npm view`) into a temporary directory,
#     using whatever npm registry is configured (nothing is hard-coded here).
#   * Copies dist/htmx.min.js         -> loket/static/vendor/htmx-2.0.11.min.js
#     and    dist/socket.io.min.js    -> loket/static/vendor/socket.io-<ver>.min.js
#   * `npm pack axe-core@4.14.1` for the accessibility tests only: dist axe.min.js
#     and its LICENSE (MPL-2.0) -> tests/vendor/ (never served by the app;
#     Playwright injects it into the page under test), with tests/vendor/VERSIONS.txt.
#   * Writes loket/static/vendor/VERSIONS.txt with package, version, the npm
#     integrity (sha512) and shasum (sha1) of each tarball, plus the sha256 of
#     each vendored file.
#
# Usage:   bash scripts/vendor.sh               # from anywhere
#          SOCKETIO_VERSION=4.8.1 bash scripts/vendor.sh   # pin an exact patch
# Needs:   npm, tar, sha256sum. Re-running is safe (old socket.io-*.min.js
#          files in the vendor dir are replaced).
set -euo pipefail

HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
AXE_VERSION="${AXE_VERSION:-4.14.1}"
SOCKETIO_RANGE="4.8"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/loket/static/vendor"
TEST_VENDOR="$ROOT/tests/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

if [[ -z "${SOCKETIO_VERSION:-}" ]]; then
  # Latest published 4.8.x (npm prints the matching versions one per line,
  # possibly with the package name prefix when several match).
  SOCKETIO_VERSION="$(npm view "socket.io-client@~${SOCKETIO_RANGE}.0" version 2>/dev/null \
    | awk '{print $NF}' | tr -d "'" | sort -V | tail -n1)"
fi
[[ "$SOCKETIO_VERSION" == ${SOCKETIO_RANGE}.* ]] || {
  echo "vendor.sh: could not resolve socket.io-client ${SOCKETIO_RANGE}.x (got '$SOCKETIO_VERSION')" >&2
  exit 1
}

mkdir -p "$VENDOR"

# pack NAME VERSION -> extracts into $TMP/NAME/package, records integrity/shasum
declare -A INTEGRITY SHASUM
pack() {
  local name="$1" version="$2" dir="$TMP/$1"
  mkdir -p "$dir"
  local json
  json="$(cd "$dir" && npm pack "${name}@${version}" --json 2>/dev/null)"
  INTEGRITY[$name]="$(node -e 'const j=JSON.parse(process.argv[1]);process.stdout.write(j[0].integrity)' "$json")"
  SHASUM[$name]="$(node -e 'const j=JSON.parse(process.argv[1]);process.stdout.write(j[0].shasum)' "$json")"
  local tgz
  tgz="$(node -e 'const j=JSON.parse(process.argv[1]);process.stdout.write(j[0].filename)' "$json")"
  tar -xzf "$dir/$tgz" -C "$dir"
}

pack htmx.org "$HTMX_VERSION"
pack socket.io-client "$SOCKETIO_VERSION"
pack axe-core "$AXE_VERSION"

HTMX_OUT="htmx-${HTMX_VERSION}.min.js"
SIO_OUT="socket.io-${SOCKETIO_VERSION}.min.js"

rm -f "$VENDOR"/htmx-*.min.js "$VENDOR"/socket.io-*.min.js
cp "$TMP/htmx.org/package/dist/htmx.min.js" "$VENDOR/$HTMX_OUT"
cp "$TMP/socket.io-client/package/dist/socket.io.min.js" "$VENDOR/$SIO_OUT"

{
  echo "# Vendored front-end libraries, written by scripts/vendor.sh — do not edit by hand."
  echo "# package | version | file | npm integrity | npm shasum (sha1) | sha256 of file"
  echo "htmx.org | ${HTMX_VERSION} | ${HTMX_OUT} | ${INTEGRITY[htmx.org]} | ${SHASUM[htmx.org]} | $(sha256sum "$VENDOR/$HTMX_OUT" | cut -d' ' -f1)"
  echo "socket.io-client | ${SOCKETIO_VERSION} | ${SIO_OUT} | ${INTEGRITY[socket.io-client]} | ${SHASUM[socket.io-client]} | $(sha256sum "$VENDOR/$SIO_OUT" | cut -d' ' -f1)"
} > "$VENDOR/VERSIONS.txt"

mkdir -p "$TEST_VENDOR"
cp "$TMP/axe-core/package/axe.min.js" "$TEST_VENDOR/axe.min.js"
cp "$TMP/axe-core/package/LICENSE" "$TEST_VENDOR/axe-core.LICENSE"
{
  echo "# Test-only vendored libraries, written by scripts/vendor.sh — do not edit by hand."
  echo "# package | version | file | npm integrity | npm shasum (sha1) | sha256 of file"
  echo "axe-core | ${AXE_VERSION} | axe.min.js | ${INTEGRITY[axe-core]} | ${SHASUM[axe-core]} | $(sha256sum "$TEST_VENDOR/axe.min.js" | cut -d' ' -f1)"
} > "$TEST_VENDOR/VERSIONS.txt"

echo "vendored into $VENDOR:"
ls -l "$VENDOR"
