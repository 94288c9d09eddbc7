"""Issue 16 — odd input never gives a 500. Driven from the URL map, so every route is tried:
ids beyond the database's integer range (2^63, SQLite's limit; 2^31, PostgreSQL's), `²` and
NUL in path segments, `?page=²` / `?person=²` / `?period=²` in the query, CR/LF in `next`, a
plan dated 0001-01-01 — each answered with the Chinese 400/404 page (or a refusal, a
redirect to log in), on SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from partyapp.extensions import db

ODD_INTS = (2 ** 63, 2 ** 31)
ODD_TEXT = ("²", "a\x00b")
ODD_QUERY = "?page=²&person=²&period=²&year=²&month=²&day=²&quarter=²&tab=²&id=²"
# Dates at the edges of what Python's date holds (a year 1 period starts before UTC's year 1).
ODD_DATES = ("?period=0001-01&year=1", "?period=0001-Q1&year=0", "?period=9999-Q4&year=9999",
             "?period=9999-12&year=-1", "?period=0000-00&year=99999999999999999999")
CHINESE = re.compile(r"[\u4e00-\u9fff]{4,}")   # a message in words, not a bare status


def odd_urls(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route and every odd value of its arguments."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            ints = [name for name, conv in rule._converters.items()
                    if isinstance(conv, IntegerConverter)]
            variants = []
            if ints:
                variants += [{name: (n if name == ints[0] else 1) for name in ints}
                             | {name: "x" for name in rule.arguments if name not in ints}
                             for n in ODD_INTS]
            texts = [name for name in rule.arguments if name not in ints]
            for text in ODD_TEXT if texts else ():
                variants.append({name: (text if name == texts[0] else 1 if name in ints else "x")
                                 for name in rule.arguments})
            if not rule.arguments:
                variants.append({})
            for values in variants:
                path = rule.build(values, append_unknown=False)[1]
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    urls.append((rule.endpoint, method, path + ODD_QUERY))
    return urls


@pytest.mark.parametrize("persona", ["anonymous", "secretary", "town_admin"])
def test_every_route_answers_odd_input_with_a_chinese_page(app, client, login, world, persona):
    if persona != "anonymous":
        login(getattr(world, persona))
    urls = odd_urls(app)
    assert len(urls) > 150
    wrong = []
    for endpoint, method, url in urls:
        try:
            response = client.open(url, method=method, data={"page": "²", "person": "²"})
        except Exception as exc:        # TESTING propagates what would be a 500
            wrong.append(f"{method} {url} ({endpoint}): {type(exc).__name__}: {exc}"[:300])
            db.session.rollback()
            continue
        status = response.status_code
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        if status >= 500 or (400 <= status < 500 and not CHINESE.search(body)):
            wrong.append(f"{method} {url} ({endpoint}): {status}")
    assert not wrong, f"{len(wrong)} odd requests went wrong:\n" + "\n".join(wrong[:60])


def test_cr_lf_in_next_never_reaches_a_header(client, world):
    for next_url in ("/%0d%0aSet-Cookie:x=1", "/me%0d%0aLocation:%20http://evil.example",
                     "%0a//evil.example", "/\r\n/x"):
        page = client.get(f"/auth/login?next={next_url}")
        assert page.status_code in (200, 400)
        done = client.post(f"/auth/login?next={next_url}", data={
            "phone": world.secretary.phone, "password": "pass1234"})
        assert done.status_code in (200, 303, 400), done.status_code
        location = done.headers.get("Location", "")
        assert "\r" not in location and "\n" not in location and "evil" not in location
        assert "Set-Cookie:x" not in str(done.headers)


def test_a_plan_dated_0001_01_01_is_a_form_error(client, login, world):
    from partyapp.meetings import services

    login(world.secretary)
    kinds = {k.code: k.id for k in services.active_kinds()}
    for day, start in (("0001-01-01", "00:00"), ("0001-01-01", "09:00"), ("9999-12-31", "23:00"),
                       ("²", "09:00")):
        response = client.post("/meetings/plan", data={
            "org_id": world.branch.id, "kind_ids": [kinds["theme_day"]], "topic": "古代的会",
            "day": day, "start": start, "end": "23:59", "place": "村部",
            "host_id": world.secretary.id, "recorder_id": world.recorder.id,
            "checkin_opens_minutes": "30", "late_after_minutes": "10"})
        assert response.status_code in (200, 400), (day, response.status_code)


def test_every_route_with_real_ids_and_odd_query_or_text(app, client, login, world):
    """Each route of the access tables with the ids it is meant for, as a persona allowed on
    it: `?page=²`, `?person=²` and friends in the query, and `²` for each text segment (a
    check-in token, a slug, a photo name)."""
    from flask import url_for

    from .access.rules import ANON
    from .access.test_routes import TABLES, all_routes

    for table in TABLES:
        getattr(table, "populate", lambda w: None)(world)
    wrong = []
    for endpoint, access in sorted(all_routes().items()):
        people = sorted(p for p in access.allow if p != ANON)
        if people:
            login(getattr(world, people[0]))
        else:
            with client.session_transaction() as session:
                session.clear()
        params = access.params(world)
        variants = [params] + [{**params, name: "²"} for name, value in params.items()
                               if isinstance(value, str)]
        queries = [ODD_QUERY] + (list(ODD_DATES) if access.method == "GET" else [])
        for values, query in [(v, ODD_QUERY) for v in variants] + [(params, q) for q in queries[1:]]:
            with app.test_request_context():
                url = url_for(endpoint, **values)
            data = {**(access.data(world) or {}), "page": "²", "person": "²"}
            try:
                response = client.open(url + query, method=access.method, data=data)
            except Exception as exc:
                wrong.append(f"{access.method} {url}{query} ({endpoint}): "
                             f"{type(exc).__name__}: {exc}"[:300])
                db.session.rollback()
                continue
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            response.close()
            if response.status_code >= 500 or (400 <= response.status_code < 500
                                               and not CHINESE.search(body)):
                wrong.append(f"{access.method} {url}{query} ({endpoint}): {response.status_code}")
        if endpoint == "auth.logout":
            continue
    assert not wrong, f"{len(wrong)} odd requests went wrong:\n" + "\n".join(wrong[:60])
