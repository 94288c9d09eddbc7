def feature():
    """What this feature offers the app (partyapp/features.py): tables and rules only — the
    secret ballot other features use through ballots.services."""
    from ..features import Feature
    from . import models  # noqa: F401  (tables)

    return Feature(name="ballots", blueprint=None)
