"""Who is asking, for rate limits: the account, else the browser's own cookie id. A leaf module
(Flask only) so that extensions.py can hand it to the limiter without importing the web layer."""
from flask import g, request
from flask_login import current_user

CLIENT_COOKIE = "cid"


def client_id() -> str:
    """Who is asking, for rate limits: the account, else the browser's own cookie id.
    Never the IP alone — a whole village shares one address behind its router."""
    if current_user and current_user.is_authenticated:
        return f"u:{current_user.id}"
    cid = request.cookies.get(CLIENT_COOKIE) or g.get("new_client_id")
    if cid and len(cid) <= 64:
        return f"c:{cid}"
    return f"ip:{request.remote_addr}"
