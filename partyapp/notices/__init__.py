def feature():
    """What this feature offers the app (partyapp/features.py): the 公示 service's tables and
    rules; each feature shows its own notices on its own pages through notices.services."""
    from ..features import Feature
    from . import models  # noqa: F401  (tables)

    return Feature(name="notices", blueprint=None)
