"""WSGI entry point for servers started from outside `loket serve` (benchmarks, custom setups):
`gunicorn 'loket.wsgi:app'`. LOKET_ASYNC_MODE (threading or gevent) must match the worker class.
"""
import os

from loket import create_app

app = create_app({"LOKET_ASYNC_MODE": os.environ.get("LOKET_ASYNC_MODE") or "threading"})
