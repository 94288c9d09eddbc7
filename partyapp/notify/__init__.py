def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature
    from . import jobs, services, views  # noqa: F401  (routes exist once loaded)

    return Feature(name="notify", blueprint=views.bp, jobs=tuple(jobs.JOBS),
                   me_section=services.me_section)
