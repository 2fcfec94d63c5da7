"""Flask extension singletons, created once here and bound to an app in `create_app`.

Nothing here knows about a particular app; tests build as many apps as they like.
"""
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Constraint names as PostgreSQL gives them by default, so databases made before migrations
    # (by create_all) already carry these names there, and batch ALTERs on SQLite can name them.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "%(table_name)s_%(column_0_N_name)s_key",
        "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    })


db = SQLAlchemy(model_class=Base)
# Schema changes are Alembic migrations in loket/migrations (SQLite ALTERs in batch mode).
migrate = Migrate(render_as_batch=True, compare_type=True)
socketio = SocketIO()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
# Storage comes from each app's RATELIMIT_STORAGE_URI: memory, or Redis when several workers share limits.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
