#!/bin/bash
# Full-screen Debian Chromium for one Loket screen, restarted whenever it exits or crashes:
#   loket-screen.sh --touch https://antrean.example.go.id/kiosk/1     (entrance touchscreen)
#   loket-screen.sh https://antrean.example.go.id/display/1           (waiting-room TV, speaks calls)
# Started from XDG autostart (loket-kiosk.desktop, loket-display.desktop) in the screen user's
# graphical session. Install: install -m 0755 loket-screen.sh /usr/local/bin/loket-screen.sh
# Needs: apt-get install chromium x11-xserver-utils (xset); curl is used when present.
set -u

touch_screen=0
if [ "${1:-}" = "--touch" ]; then
  touch_screen=1
  shift
fi
url=${1:?usage: loket-screen.sh [--touch] URL}
browser=${LOKET_CHROMIUM:-/usr/bin/chromium}

# One Chromium profile per screen: two screens on one machine never share a session or a crash flag.
name=$(printf '%s' "${url#*://*/}" | tr -c 'A-Za-z0-9' '-')
profile="${XDG_CONFIG_HOME:-$HOME/.config}/loket-screen/${name:-root}"
mkdir -p "$profile"

# Never blank the screen or let it sleep (X11; a Wayland session keeps its own settings).
if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null; then
  xset s off
  xset -dpms
  xset s noblank
fi

flags=(
  --kiosk --noerrdialogs --disable-translate --disable-features=Translate --no-first-run
  --no-default-browser-check --disable-session-crashed-bubble --check-for-update-interval=31536000
  --autoplay-policy=no-user-gesture-required   # the TV speaks calls without anyone touching it
  --password-store=basic                        # no keyring prompt after an automatic login
  --user-data-dir="$profile"
)
if [ "$touch_screen" = 1 ]; then
  flags+=(--disable-pinch --overscroll-history-navigation=0)
fi

# A screen that starts before the server would sit on an error page: wait for it (at most 2 min).
if command -v curl >/dev/null; then
  for _ in $(seq 24); do
    curl --silent --output /dev/null --max-time 5 "$url" && break
    sleep 5
  done
fi

while true; do
  # A killed Chromium offers to "restore pages" on its next start; mark the last exit as clean.
  prefs="$profile/Default/Preferences"
  if [ -f "$prefs" ]; then
    sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
  fi
  "$browser" "${flags[@]}" "$url"
  echo "loket-screen: $browser exited ($?), starting again in 3 s" >&2
  sleep 3
done
