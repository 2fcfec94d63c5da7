#!/usr/bin/env bash
# Install everything the tests need and run them: Debian's chromium (Playwright drives it; it
# cannot download its own browser here), the Python packages, then pytest. Extra arguments go
# to pytest. Set LOKET_REQUIRE_BROWSER=1 to turn a missing browser into a failure (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  packages="chromium fonts-dejavu-core"
  if ! dpkg -s $packages >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  fi
fi
python3 -m pip install -q -e '.[test]'
exec python3 -m pytest -p no:cacheprovider "$@"
