"""Under the gevent worker a printer call that blocks in C (libusb, a device file) must not stop the
other greenlets (every open screen): `loket.blocking.blocking` runs it in gevent's thread pool."""
from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    from gevent import monkey; monkey.patch_all()
    import ctypes, sys, gevent
    from loket.blocking import blocking
    ticks = []
    def ticker():
        for _ in range(40):
            ticks.append(1)
            gevent.sleep(0.02)
    def stuck_in_c():
        ctypes.CDLL(None).usleep(400000)  # 0.4 s inside C, like a USB write
        return "sent"
    ticker_greenlet = gevent.spawn(ticker)
    gevent.sleep(0)
    call = blocking if sys.argv[1] == "offloaded" else (lambda fn: fn())
    assert call(stuck_in_c) == "sent"
    print(len(ticks))
    ticker_greenlet.kill()
""")


def _ticks_during(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_a_blocking_printer_call_leaves_the_other_greenlets_running():
    assert _ticks_during("plain") <= 2  # the control: a direct call freezes every greenlet
    assert _ticks_during("offloaded") >= 8  # 0.4 s at one tick per 20 ms, with room for a busy machine


def test_outside_gevent_it_is_a_plain_call():
    from loket.blocking import blocking

    assert blocking(lambda a, b=0: a + b, 2, b=3) == 5
