#!/usr/bin/env bash
# Install everything the tests need and run them: Debian's chromium (Playwright drives it; it
# cannot download its own browser here), espeak-ng and sox (the voice-clip script is tested),
# PostgreSQL and Redis for the scale-out tests, nginx and openssl for the deploy kit's site (started on 127.0.0.1 by scripts/services.sh,
# stopped on exit), the Python packages, then pytest.
# Extra arguments go to pytest. LOKET_REQUIRE_BROWSER=1 / LOKET_REQUIRE_SERVICES=1 turn a
# missing browser / database server into a failure instead of a skip (CI sets both).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  packages="chromium fonts-dejavu-core postgresql redis-server espeak-ng sox libsox-fmt-all nginx openssl"
  if ! dpkg -s $packages >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  fi
fi
python3 -m pip install -q -e '.[test]'
source scripts/services.sh
trap loket_services_stop EXIT
python3 -m pytest -p no:cacheprovider "$@"
