"""The floors `python -m bench` compares Loket with: the least a server can do for the same requests.

`http_app()`: a bare Flask app that inserts one row per ticket (JSON `POST /tickets`, as Loket's API),
plus a four-request kiosk flow (home, a form with a hidden token, the POST, the result page).
`screen_app()`: a bare python-socketio server that joins clients to the rooms they `subscribe` to and,
on `POST /call`, emits one `ticket.called` event padded to the size of Loket's frame to a room.
Both are served like `loket serve` (gunicorn, one gevent-websocket worker; see `command`).
The database (SQLAlchemy URL) and the Redis message queue come from BENCH_FLOOR_DATABASE_URL and
BENCH_FLOOR_REDIS_URL.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

WORKER = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
ROOT = Path(__file__).resolve().parent.parent


def command(app: str, port: int) -> list[str]:
    """gunicorn with the settings of loket/ops/gunicorn_config.py that matter for speed."""
    return [sys.executable, "-m", "gunicorn", "-k", WORKER, "-w", "1", "--bind", f"127.0.0.1:{port}",
            "--worker-connections", "5000", "--keep-alive", "5", "--timeout", "90", "--graceful-timeout", "10",
            "--log-level", "warning", "--chdir", str(ROOT), f"bench.floors:{app}()"]


# --- the HTTP floor ------------------------------------------------------------------------------

def _database():
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event, func

    url = os.environ["BENCH_FLOOR_DATABASE_URL"]
    engine = create_engine(url)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # what Loket sets on every SQLite connection
            cursor = conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    table = Table("floor_tickets", MetaData(), Column("id", Integer, primary_key=True),
                  Column("service", String(10), nullable=False), Column("token", String(40), unique=True),
                  Column("created_at", DateTime, server_default=func.now()))
    table.metadata.create_all(engine)
    return engine, table


def http_app():
    """The HTTP floor's WSGI app (gunicorn calls it: `bench.floors:http_app()`)."""
    from flask import Flask, abort, jsonify, redirect, request
    from sqlalchemy import select

    engine, tickets = _database()
    app = Flask(__name__)

    def insert(service: str) -> tuple[int, str]:
        token = secrets.token_urlsafe(18)
        with engine.begin() as conn:
            row_id = conn.execute(tickets.insert().values(service=service, token=token)).inserted_primary_key[0]
        return row_id, token

    @app.get("/health")
    def health():
        return "ok"

    @app.post("/tickets")
    def issue():
        body = request.get_json(silent=True) or {}
        service = str(body.get("service") or "A")[:10]
        row_id, token = insert(service)
        return jsonify({"number": f"{service}-{row_id:03d}", "token": token}), 201

    @app.get("/kiosk")
    def home():
        return '<!doctype html><title>floor</title><a href="/kiosk/form">A</a>'

    @app.get("/kiosk/form")
    def form():
        token = secrets.token_urlsafe(24)
        response = app.make_response(
            '<!doctype html><title>floor</title><form method="post" action="/kiosk/take">'
            f'<input type="hidden" name="csrf_token" value="{token}">'
            '<input type="hidden" name="service" value="A"><button>take</button></form>')
        response.set_cookie("floor_token", token, httponly=True, samesite="Lax")
        return response

    @app.post("/kiosk/take")
    def take():
        if not request.form.get("csrf_token") or request.form["csrf_token"] != request.cookies.get("floor_token"):
            abort(400)
        _row_id, token = insert(request.form.get("service", "A")[:10])
        return redirect(f"/kiosk/done/{token}", code=303)

    @app.get("/kiosk/done/<token>")
    def done(token: str):
        with engine.connect() as conn:
            row = conn.execute(select(tickets.c.id, tickets.c.service).where(tickets.c.token == token)).first()
        if row is None:
            abort(404)
        return f"<!doctype html><title>floor</title><p>{row.service}-{row.id:03d}</p>"

    return app


# --- the screen floor ----------------------------------------------------------------------------

def pad_payload(number: str, size: int) -> dict:
    """A `ticket.called` payload whose Socket.IO frame (`42["ticket.called",{…}]`) is `size` characters."""
    payload = {"number": number, "pad": ""}
    frame = 2 + len(json.dumps(["ticket.called", payload], separators=(",", ":")))
    payload["pad"] = "x" * max(0, size - frame)
    return payload


def screen_app():
    """The screen floor's WSGI app: python-socketio in front of a Flask app for `POST /call`."""
    import socketio
    from flask import Flask, request

    redis = os.environ.get("BENCH_FLOOR_REDIS_URL") or None
    sio = socketio.Server(async_mode="gevent", ping_interval=10, ping_timeout=20,
                          client_manager=socketio.RedisManager(redis) if redis else None)

    @sio.on("subscribe")
    def subscribe(sid, data):
        rooms = [room for room in (data or {}).get("rooms", []) if isinstance(room, str)][:120]
        for room in rooms:
            sio.enter_room(sid, room)
        return {"ok": True, "rooms": rooms}

    app = Flask(__name__)

    @app.get("/health")
    def health():
        return "ok"

    @app.post("/call")
    def call():
        body = request.get_json()
        sio.emit("ticket.called", pad_payload(str(body["number"]), int(body["size"])), to=body["room"])
        return "ok"

    return socketio.WSGIApp(sio, app)

