"""Extensions are created unbound here and bound in create_app()."""
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from .clients import client_id

# Stable constraint names, so migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()


# The storage URI comes from config (RATELIMIT_STORAGE_URI: memory:// or REDIS_URL), always set.
# Keyed on the logged-in account, else a per-browser cookie id, else the IP (clients.py).
limiter = Limiter(key_func=client_id, strategy="fixed-window")


def init_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    with app.app_context():
        _configure_sqlite(app)


def _configure_sqlite(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    synchronous = app.config["SQLITE_SYNCHRONOUS"]
    busy_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError("SQLITE_SYNCHRONOUS must be NORMAL or FULL")

    @event.listens_for(db.engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def is_busy_error(exc: BaseException) -> bool:
    """The database could not take the write in time (SQLite's write lock held past the busy
    timeout; PostgreSQL's lock timeout): the caller answers 503 and nothing was written."""
    text = str(getattr(exc, "orig", exc)).lower()
    return ("database is locked" in text or "database table is locked" in text
            or "lock timeout" in text or getattr(getattr(exc, "orig", None), "sqlstate", "")
            == "55P03")


__all__ = ["db", "migrate", "login_manager", "csrf", "limiter", "compress", "Engine", "is_busy_error"]
