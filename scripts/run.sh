#!/usr/bin/env bash
# Install Loket and serve it on http://127.0.0.1:5000 with SQLite under ./instance (demo-ready:
# the bundled service standard, kiosk 1, display 1, a counter per service, an admin account).
# Extra arguments go to `loket serve` (e.g. --host 0.0.0.0 --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e .
exec loket serve "$@"
