"""The public village page: one address per village (its slug), no log-in."""
from sqlalchemy import select

from ..extensions import db
from ..features import TabQuery, registry
from ..models import Organization


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
