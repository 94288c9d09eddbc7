def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature
    from . import town_views, views  # noqa: F401  (routes exist once loaded)

    return Feature(name="org", blueprint=views.bp)
