"""What the in-process benchmarks share (`bench.admin_pages`, `bench.reports`, `bench.cases`): a fresh SQLite
instance at the current schema with the first start's data, and the best time of a few runs.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path


def best_ms(fn, repeat: int) -> float:
    """The fastest of `repeat` calls of `fn`, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def fresh_app(prefix: str, **config):
    """An app on a new SQLite file under a temporary folder, upgraded and set up as on its first start."""
    from loket import create_app
    from loket.bootstrap import ensure_ready
    from loket.extensions import db
    from loket.ops import schema

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    app = create_app({"INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'loket.db'}",
                      "RATELIMIT_ENABLED": False, **config})
    with app.app_context():
        schema.upgrade(safety_copy=False)
        ensure_ready()
        db.session.remove()
    return app
