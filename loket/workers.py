"""Background work started by `loket serve` (print-job retries, end-of-day closing).

Areas register their periodic jobs with `every()`; tests call the jobs directly.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)
_JOBS: list[tuple[float, Callable]] = []


def every(seconds: float):
    """Register `fn(app)` to run every `seconds` in the server process."""

    def decorator(fn):
        _JOBS.append((seconds, fn))
        return fn

    return decorator


def start_background(app) -> None:
    from loket.extensions import socketio

    for seconds, fn in _JOBS:
        socketio.start_background_task(_loop, app, seconds, fn)


def _loop(app, seconds: float, fn) -> None:
    while True:
        time.sleep(seconds)
        try:
            with app.app_context():
                fn(app)
        except Exception:
            log.exception("background job %s failed", getattr(fn, "__name__", fn))
