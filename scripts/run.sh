#!/usr/bin/env bash
# Install Loket and serve it on http://127.0.0.1:5000 with SQLite under ./instance (demo-ready:
# the bundled service standard, kiosk 1, display 1, a counter per service, an admin account).
# A fresh instance first gets a month of demo history (`loket demo --if-fresh`: staff with one-time
# passwords, tickets, surveys, ratings, complaints; today stays empty); a database that already
# holds tickets or was used is left alone.
# Extra arguments go to `loket serve` (e.g. --host 0.0.0.0 --port 8080).
# A demo must work at any hour, so unless LOKET_OFFICE_HOURS is set the queue is open 24/7 here;
# an office sets its hours (e.g. "mon-thu 07:30-15:30; fri 07:30-13:00", the package default).
# The demo history keeps office hours either way.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e .
export LOKET_OFFICE_HOURS="${LOKET_OFFICE_HOURS:-24/7}"
loket demo --if-fresh
exec loket serve "$@"
