"""Shared helpers for the security, fuzz and fault suites: the route tables as data, one
allowed persona per route, and row counts of every table (to prove nothing was written)."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from partyapp.extensions import db

from .access.rules import ANON
from .access.test_routes import TABLES, all_routes

# The persona used to exercise a route, most specific first.
PERSONA_ORDER = ("member", "secretary", "recorder", "group_leader", "villager_rep", "town_admin",
                 "other_branch_secretary", "other_town_admin", ANON)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def populate_all(world) -> None:
    for table in TABLES:
        getattr(table, "populate", lambda w: None)(world)


def allowed_persona(access) -> str | None:
    for persona in PERSONA_ORDER:
        if persona in access.allow and persona not in access.skip_personas:
            return persona
    return None


def route_url(app, endpoint: str, access, world) -> str:
    with app.test_request_context():
        return url_for(endpoint, **access.params(world))


def row_counts() -> dict[str, int]:
    """Rows in every table; one query per table, read in a fresh session."""
    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def unsafe_endpoints(app) -> dict[str, set[str]]:
    """Every endpoint of the URL map that accepts an unsafe method, with those methods."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & UNSAFE
        if methods:
            found.setdefault(rule.endpoint, set()).update(methods)
    return found


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def routes():
    return all_routes()
