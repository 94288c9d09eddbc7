"""Vocabulary for the route × role tables (tests/access/table_*.py).

Each feature's table module defines
    populate(world)          -> put the feature's objects in world.extra (own + other branch)
    ROUTES: dict[endpoint, Access]
Access says which personas may use the route; everyone else must be refused (403/404),
anonymous visitors are sent to log in (or refused) unless the route is public.
"""
from dataclasses import dataclass, field
from typing import Callable

ANON = "anonymous"
EVERYONE = frozenset({"anonymous", "member", "group_leader", "recorder", "secretary",
                      "villager_rep", "town_admin", "other_branch_secretary", "other_town_admin"})
LOGGED_IN = EVERYONE - {ANON}
BRANCH_INSIDERS = frozenset({"member", "group_leader", "recorder", "secretary", "villager_rep",
                             "town_admin"})
BRANCH_MEMBERS = frozenset({"member", "group_leader", "recorder", "secretary"})
OFFICERS = frozenset({"secretary", "town_admin"})
TOWN = frozenset({"town_admin"})


@dataclass
class Access:
    allow: frozenset
    params: Callable = lambda world: {}
    method: str = "GET"
    data: Callable = lambda world: {}
    # Text of the other branch/town that must never appear in a refused response body.
    secret: Callable | None = None
    # Expected status for allowed personas when not simply "ok" (e.g. 404 for a deliberate miss).
    notes: str = ""
    skip_personas: frozenset = field(default_factory=frozenset)
