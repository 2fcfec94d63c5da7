"""Loket: a walk-in service queue for Indonesian public-service offices.

`create_app` builds the Flask app; nothing is created at import time.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from loket import config as config_module
from loket.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate, socketio

__all__ = ["create_app"]

BLUEPRINTS = (
    "loket.catalogue",
    "loket.auth",
    "loket.kiosk",
    "loket.display",
    "loket.counter",
    "loket.feedback",
    "loket.admin",
    "loket.api",
)


# Ids are 32-bit integers everywhere (SQLite/PostgreSQL raise on larger ones): bigger ids are 404.
ID_MAX = 2**31 - 1


class CappedIntegerConverter(IntegerConverter):
    """`<int:...>` that refuses values above ID_MAX, so /counter/99999999999999999999 is 404, not 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _translation_dirs(package_root: Path) -> str:
    dirs = [package_root / "translations"] + sorted(package_root.glob("*/translations"))
    return ";".join(str(d) for d in dirs if d.is_dir()) or str(package_root / "translations")


def create_app(config: dict | None = None) -> Flask:
    """Build an app. `config` overrides the environment (tests pass their own database)."""
    config = dict(config or {})
    folder = Path(config.pop("INSTANCE_PATH", None) or config_module.instance_path())
    folder.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(folder), instance_relative_config=False)
    app.url_map.converters["int"] = CappedIntegerConverter  # before any blueprint adds its rules
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_environment(folder))
    app.config.update(config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = _translation_dirs(Path(app.root_path))

    _configure_database(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from loket.web import register_error_handlers, register_request_guards, register_security_headers, select_locale

    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["LOKET_TIMEZONE"])
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # Several workers must count one client's requests together: Redis when scaled out.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("LOKET_REDIS_URL") or "memory://")
    # Redis away (restart, upgrade) must not turn every rate-limited request (issuing, login) into a 500:
    # count in this process's memory meanwhile (limits then hold per process), back to Redis once it answers.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # ... and Redis going away between a request's check and its deduction after the answer (the login
    # counts only refused attempts) is logged, not a 500.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)

    from importlib import import_module
    from importlib.util import find_spec

    # Models of every area, so the metadata (and autogenerate) sees all tables; Socket.IO handlers are registered at
    # import time (once per process) so every app's server gets them in socketio.init_app.
    for module in ("loket.queue.models", "loket.auth.models", "loket.kiosk.models", "loket.display.models",
                   "loket.catalogue.models", "loket.offices.models", "loket.ops.models", "loket.reports.models",
                   "loket.cases.models",
                   "loket.audit", "loket.sockets",
                   # periodic jobs register with the scheduler when their module is imported
                   "loket.queue.closing", "loket.ops.backup"):
        import_module(module)
    areas = [import_module(name) for name in BLUEPRINTS]
    for name in BLUEPRINTS:
        for extra in (f"{name}.models", f"{name}.events"):
            if find_spec(extra) is not None:
                import_module(extra)

    message_queue = app.config.get("LOKET_REDIS_URL") or None
    socketio.init_app(
        app,
        # "threading" (tests, the Werkzeug live server) unless the production server sets its own.
        async_mode=app.config.get("LOKET_ASYNC_MODE") or "threading",
        message_queue=message_queue,
        # None = same origin only; an empty list would switch engine.io's origin check off.
        cors_allowed_origins=app.config.get("LOKET_CORS_ORIGINS") or None,
        manage_session=False,
        ping_interval=10,
        ping_timeout=20,
    )
    from loket.events import Publisher

    # Bind this app's own Socket.IO server: tests build many apps in one process.
    publisher = Publisher(socketio.server)
    publisher.record = bool(app.config.get("LOKET_RECORD_EVENTS"))
    app.extensions["loket.publisher"] = publisher

    for module in areas:
        app.register_blueprint(module.bp)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
    app.register_blueprint(import_module("loket.cases.public").bp)  # a case's public tracking page
    app.register_blueprint(import_module("loket.cases.routes").bp)  # the officers' case pages, /admin/berkas
    register_error_handlers(app)
    register_security_headers(app)
    register_request_guards(app)
    from loket import templating

    templating.init_app(app)
    from loket import assets

    assets.init_app(app)  # fingerprinted static files, compression
    from loket import cli

    cli.register(app)
    # No create_all: the schema is Alembic's (`loket db upgrade`; `loket serve` upgrades at start).
    return app


def _configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # PostgreSQL goes through psycopg 3 whichever spelling the operator used.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri[len(prefix):]
            app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_pre_ping", True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("sqlite"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options = dict(options)
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("timeout", 30)  # wait for the write lock instead of failing
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers work while a ticket is issued; foreign keys on; wait on locks."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
