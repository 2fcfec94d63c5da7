"""WSGI entry points.

- `loket.wsgi:serve_app()` is what `loket serve` runs in its gunicorn worker: the app plus this
  process's share of the scheduler (each periodic job still runs once per installation).
- `loket.wsgi:app` builds the app only, for servers started by other means (benchmarks).
LOKET_ASYNC_MODE (gevent or threading) must match the gunicorn worker class.
"""
from __future__ import annotations

import os

_state: dict = {}


def _build():
    from loket import create_app

    return create_app({"LOKET_ASYNC_MODE": os.environ.get("LOKET_ASYNC_MODE") or "threading"})


def serve_app():
    from loket.ops import scheduler

    app = _build()
    _state["app"] = app
    _state["holder"] = scheduler.start(app)
    return app


def stopped() -> None:
    app, holder = _state.get("app"), _state.get("holder")
    if app is None or holder is None:
        return
    from loket.ops import scheduler

    try:
        with app.app_context():
            scheduler.forget(holder)
    except Exception:  # the database may be gone already; the heartbeat then simply ages out
        pass


def __getattr__(name: str):
    if name == "app":  # built on first use, so importing this module builds nothing
        _state.setdefault("plain", _build())
        return _state["plain"]
    raise AttributeError(name)
