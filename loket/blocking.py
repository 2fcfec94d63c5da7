"""Calls that block inside C or the kernel (a USB printer, a device file) must not stop a gevent server.

Under `loket serve` the worker runs greenlets (gevent): a blocking call there holds every open socket
until it returns. `blocking(fn, ...)` runs such a call in gevent's thread pool when the standard
library is monkey-patched, and simply calls it otherwise (tests, commands, threaded servers).
"""
from __future__ import annotations

from typing import Any, Callable


def blocking(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return fn(*args, **kwargs)
    if not monkey.is_module_patched("socket"):
        return fn(*args, **kwargs)
    import gevent

    return gevent.get_hub().threadpool.apply(fn, args, kwargs)
