"""The public village page: one address per village (its slug), no log-in."""
import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from ..extensions import db
from ..features import TabQuery, registry
from ..models import Organization, OrgKind


def village_by_slug(slug: str) -> Organization | None:
    return db.session.scalar(select(Organization).where(
        Organization.slug == slug, Organization.active.is_(True)))


def tabs() -> dict[str, str]:
    """tab key -> label, in the features' declaration order (disclosures: 承诺/决策/结果;
    opinions: 意见)."""
    return {key: tab.label for key, tab in registry().public_tabs().items()}


def tab_context(tab: str, village: Organization, query: TabQuery) -> dict | None:
    """The declared tab's context; None when no feature offers that tab."""
    declared = registry().public_tabs().get(tab)
    if declared is None:
        return None
    return declared.context(tab, village, query) or {}


# ---- find your village (villagers have no account) -----------------------------------------
QUERY_MAX = 20


@dataclass(frozen=True)
class Village:
    slug: str
    name: str          # the village's own name (东湖村), else the branch's
    town: str
    initials: str      # pinyin initials, "dhc" for 东湖村


def _initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()


def villages(query: str = "") -> list[Village]:
    """Every active village page (a branch with a slug), by town then name; `query` keeps
    those whose name contains it or whose pinyin initials start with it ("dh" → 东湖村).
    Two queries whatever the number of villages."""
    query = re.sub(r"\s+", "", query or "")[:QUERY_MAX].lower()
    rows = db.session.execute(select(Organization.slug, Organization.name,
                                     Organization.village_name, Organization.path).where(
        Organization.slug.is_not(None), Organization.active.is_(True),
        Organization.kind.in_((OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)))).all()
    town_ids = {int(row.path.strip("/").split("/")[0]) for row in rows if row.path.strip("/")}
    towns = dict(db.session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_(town_ids))).all()) if town_ids else {}
    found = []
    for row in rows:
        name = row.village_name or row.name
        head = row.path.strip("/").split("/")[0] if row.path.strip("/") else ""
        village = Village(slug=row.slug, name=name, town=towns.get(int(head), "") if head else "",
                          initials=_initials(name))
        if not query or query in name.lower() or village.initials.startswith(query) \
                or query in village.initials or query == row.slug.lower():
            found.append(village)
    return sorted(found, key=lambda v: (v.town, v.initials, v.name))
