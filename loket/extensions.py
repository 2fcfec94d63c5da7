"""Flask extension singletons, created once here and bound to an app in `create_app`.

Nothing here knows about a particular app; tests build as many apps as they like.
"""
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
socketio = SocketIO()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
# Storage comes from each app's RATELIMIT_STORAGE_URI: memory, or Redis when several workers share limits.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
