"""Request-level plumbing, one module per job: htmx (page or fragment), security (headers,
NUL filter, client id cookie), errors (the Chinese error pages), assets (static files), and the
template filters below. The log-in loader lives in auth/, the layout context in main/."""
from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .. import clock
from .assets import configure_assets
from .errors import ERROR_MESSAGES, configure_errors  # noqa: F401
from .htmx import render_page, wants_fragment  # noqa: F401
from .security import configure_security


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` routes match ids the database can hold (PostgreSQL's integer, the smaller of
    the two): a larger number is simply no such page (404), never an overflow in a query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DATABASE_INT_MAX)
        super().__init__(map, *args, **kwargs)


DATABASE_INT_MAX = 2 ** 31 - 1


def configure_web(app):
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:   # the client address and scheme as the declared proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    configure_security(app)
    configure_errors(app)
    configure_filters(app)
    configure_assets(app)


def configure_filters(app):
    app.jinja_env.filters["local"] = lambda dt, fmt="%Y-%m-%d %H:%M": (
        clock.to_local(dt).strftime(fmt) if dt else "")
    app.jinja_env.filters["cn_date"] = lambda d: f"{d.month}月{d.day}日" if d else ""
    app.jinja_env.globals["now"] = clock.now
