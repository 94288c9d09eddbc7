"""Security plumbing on every request: a fresh `g`, the NUL-byte filter, the per-browser
client id cookie, and the response headers (CSP, frame, referrer, HSTS, Vary)."""
import secrets

from flask import abort, g, request

from ..clients import CLIENT_COOKIE

CSP = ("default-src 'self'; img-src 'self' data: blob:; script-src 'self'; "
       "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'; object-src 'none'")


def _fresh_request_globals():
    """Start every request with an empty `g`. In production each request has its own app
    context anyway; tests that hold one app context open would otherwise carry the cached
    user and roles of the previous request into the next."""
    for name in list(g):
        g.pop(name)


def configure_security(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)

    @app.before_request
    def refuse_nul_bytes():
        """Nobody types a NUL character; PostgreSQL refuses it in text, so it would be a 500
        deep in some query. One check for the path, every form field and query parameter."""
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values = request.form.values()
        else:
            values = ()
        if "\x00" in request.path or any(
                "\x00" in value for value in (*request.args.values(), *values)):
            abort(400)   # in a path segment too (/v/a%00b/…)

    @app.before_request
    def assign_client_id():
        if not request.cookies.get(CLIENT_COOKIE):
            g.new_client_id = secrets.token_urlsafe(12)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            response.vary.add("HX-Request")
            headers.setdefault("Cache-Control", "no-cache, private")
        if g.get("new_client_id"):
            response.set_cookie(CLIENT_COOKIE, g.new_client_id, max_age=3600 * 24 * 400,
                                httponly=True, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"])
        return response
