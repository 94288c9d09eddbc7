"""One configuration, read from the environment. Tests pass overrides to create_app()."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _instance_secret(instance_path: str) -> str:
    """A missing SECRET_KEY is generated once into instance/ and kept — never a fixed default."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


def configure(app, test_config=None):
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    https = _bool("HTTPS")
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(app.instance_path),
        SQLALCHEMY_DATABASE_URI=_database_url(app.instance_path),
        SQLITE_SYNCHRONOUS=os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").upper(),
        RATELIMIT_STORAGE_URI=os.environ.get("REDIS_URL") or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Failed log-in counters (auth/guard.py): Redis when set, else the login_failure table.
        LOGIN_GUARD_REDIS_URL=os.environ.get("REDIS_URL", ""),
        LOGIN_GUARD_PREFIX=os.environ.get("LOGIN_GUARD_PREFIX", "partyapp:login:"),
        # How many reverse proxies (nginx, a cloud load balancer) stand in front of gunicorn:
        # the client address is then read from X-Forwarded-For that many hops back (ProxyFix).
        # 0 (the default): X-Forwarded-For is ignored, so nobody can spoof an address.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
        # The outbox (notify.jobs): per-post timeout, give up after, tries at most.
        OUTBOX_POST_TIMEOUT=float(os.environ.get("OUTBOX_POST_TIMEOUT", "10")),
        OUTBOX_GIVE_UP_MINUTES=int(os.environ.get("OUTBOX_GIVE_UP_MINUTES", "360")),
        OUTBOX_MAX_ATTEMPTS=int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "10")),
        NOTIFY_SENDER=os.environ.get("NOTIFY_SENDER", "record"),
        WECOM_WEBHOOK_URL=os.environ.get("WECOM_WEBHOOK_URL", ""),
        # A branch's own robot address must start with this (no posting to arbitrary hosts).
        WECOM_WEBHOOK_PREFIX=os.environ.get(
            "WECOM_WEBHOOK_PREFIX", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="),
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        # A town's 服务号 (网页授权 silent log-in inside WeChat): both set, or nothing changes.
        WECHAT_APP_ID=os.environ.get("WECHAT_APP_ID", ""),
        WECHAT_APP_SECRET=os.environ.get("WECHAT_APP_SECRET", ""),
        # Where the WeChat APIs live (tests point these at a local fake on 127.0.0.1).
        WECHAT_API_BASE=os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        WECHAT_OAUTH_BASE=os.environ.get(
            "WECHAT_OAUTH_BASE", "https://open.weixin.qq.com").rstrip("/"),
        WECHAT_TIMEOUT=float(os.environ.get("WECHAT_TIMEOUT", "5")),
        UPLOAD_FOLDER=os.environ.get("UPLOAD_FOLDER") or str(Path(app.instance_path) / "uploads"),
        # Keys of open secret-ballot rounds: outside the database, deleted when a round closes.
        BALLOT_KEY_DIR=os.environ.get("BALLOT_KEY_DIR")
        or str(Path(app.instance_path) / "ballot_keys"),
        MAX_CONTENT_LENGTH=int(os.environ.get("MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        # Meeting kind codes that count as a leader's 双重组织生活 (meetings/dual_life.py).
        DUAL_LIFE_KINDS=tuple(code.strip() for code in os.environ.get(
            "DUAL_LIFE_KINDS", "org_life,branch_assembly,group_meeting,party_lecture").split(",")
            if code.strip()),
        # Length of a village organisation's term (届期) in years, unless the town enters another.
        TERM_YEARS=int(os.environ.get("TERM_YEARS", "5")),
        # 党费 of farmer and other members: a small fixed amount a month, in 元 (0.2–2 by default).
        DUES_FIXED_MIN=os.environ.get("DUES_FIXED_MIN", "0.2"),
        DUES_FIXED_MAX=os.environ.get("DUES_FIXED_MAX", "2"),
        # Training: a member's yearly class hours; the shortest 书记轮训 that counts (days).
        TRAINING_MEMBER_HOURS=float(os.environ.get("TRAINING_MEMBER_HOURS", "32")),
        TRAINING_ROTATION_DAYS=float(os.environ.get("TRAINING_ROTATION_DAYS", "1")),
        PASSWORD_HASH_METHOD="scrypt",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # A member's phone stays logged in for months: a scan at a meeting never asks again.
        REMEMBER_COOKIE_DURATION=timedelta(days=180),
        PERMANENT_SESSION_LIFETIME=timedelta(days=180),
        PREFERRED_URL_SCHEME="https" if https else "http",
        WTF_CSRF_TIME_LIMIT=None,
        SCHEDULER_HEARTBEAT_MAX_AGE=timedelta(minutes=10),
        COMPRESS_MIMETYPES=["text/html", "application/json", "text/css", "application/javascript"],
        COMPRESS_REGISTER=True,
    )
    if test_config:
        app.config.update(test_config)


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'partyapp.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
