"""Every route in the URL map is in a hand-written table of who may use it, and each row is
checked for every persona: allowed ones get through, others are refused (and see nothing of
the other branch). A new route without an entry fails here."""
import importlib
import pkgutil

import pytest

from . import __path__ as access_path
from .rules import ANON, EVERYONE

TABLES = [importlib.import_module(f"tests.access.{m.name}")
          for m in pkgutil.iter_modules(access_path) if m.name.startswith("table_")]


def all_routes():
    routes = {}
    for table in TABLES:
        overlap = routes.keys() & table.ROUTES.keys()
        assert not overlap, f"routes listed twice: {overlap}"
        routes.update(table.ROUTES)
    return routes


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - all_routes().keys())
    assert not missing, f"routes with no entry in tests/access/table_*.py: {missing}"
    stale = sorted(all_routes().keys() - endpoints)
    assert not stale, f"table entries for routes that no longer exist: {stale}"


def _outcome(response):
    location = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
    if response.status_code in (301, 302, 303) and "/auth/login?next=" in location:
        return "login"
    if response.status_code in (403, 404):
        return "deny"
    if response.status_code < 400:
        return "ok"
    return f"status {response.status_code}"


@pytest.mark.parametrize("persona", sorted(EVERYONE))
def test_route_table(app, world, client, login, persona):
    from flask import url_for

    for table in TABLES:
        getattr(table, "populate", lambda w: None)(world)
    if persona != ANON:
        login(getattr(world, persona))
    failures = []
    for endpoint, access in sorted(all_routes().items()):
        if persona in access.skip_personas:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **access.params(world))
        response = client.open(url, method=access.method, data=access.data(world))
        outcome = _outcome(response)
        body = response.get_data().decode("utf-8", "replace")
        response.close()
        if persona in access.allow:
            expected = {"ok"} | ({"ok", "status 400"} if access.method == "POST" else set())
        elif persona == ANON:
            expected = {"login", "deny"}
        else:
            expected = {"deny"}
        if outcome not in expected:
            failures.append(f"{access.method} {url} as {persona}: {outcome}, expected {expected}")
        elif outcome == "deny" and access.secret is not None:
            if access.secret(world) in body:
                failures.append(f"{url} as {persona}: refused but the body shows the data")
        if endpoint in ("auth.logout", "auth.logout_all") and persona != ANON:
            login(getattr(world, persona))
    assert not failures, "\n".join(failures)
