"""The public village page: one address per village (its slug), no log-in."""
from sqlalchemy import select

from ..extensions import db
from ..models import Organization

# tab key -> label. Features fill the tabs (disclosures: 承诺/决策/结果; opinions: 意见).
TABS = {"commitments": "承诺", "decisions": "决策", "results": "结果", "opinions": "意见"}


def village_by_slug(slug: str) -> Organization | None:
    return db.session.scalar(select(Organization).where(
        Organization.slug == slug, Organization.active.is_(True)))


def tab_context(tab: str, village: Organization) -> dict:
    """Each feature may offer `public_tab(tab, village) -> dict | None` in its services."""
    from .. import feature_modules

    for module in feature_modules("services"):
        provide = getattr(module, "public_tab", None)
        if provide is not None and module.__name__ != __name__:
            context = provide(tab, village)
            if context is not None:
                return context
    return {}
