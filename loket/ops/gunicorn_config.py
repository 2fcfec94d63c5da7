"""Gunicorn settings for `loket serve` (read as a file, `--config <this file>`, so the master process
imports nothing of Loket before the gevent worker has monkey-patched the standard library).

One worker per process, as Flask-SocketIO requires: a Socket.IO client's requests must all reach the
process that holds its session. Several processes run behind nginx with sticky upstreams (ip_hash)
and share events through Redis (LOKET_REDIS_URL); see deploy/.
"""
import os

# Chosen on measurements (bench/servers.py; README, dependency notes): gevent greenlets with
# gevent-websocket's worker. One open websocket costs a greenlet, not an OS thread (the threaded
# worker needed three threads per socket and stopped serving at 2,000 screens).
worker_class = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
workers = 1
worker_connections = int(os.environ.get("LOKET_SERVER_CONNECTIONS") or 5000)
timeout = 90  # above SQLite's 30 s busy timeout: a long lock wait must not get the worker killed
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOKET_LOG_LEVEL", "info").lower()
proc_name = "loket"
control_socket_disable = True  # several processes on one machine would share one socket path


def worker_exit(server, worker):
    """A process that stops cleanly drops its heartbeat, so `loket restore` need not wait for it."""
    from loket import wsgi

    wsgi.stopped()
