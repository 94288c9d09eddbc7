def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature
    from . import jobs, loader, services, views  # noqa: F401  (routes exist once loaded)

    return Feature(name="auth", blueprint=views.bp, on_app=loader.configure_login,
                   jobs=tuple(jobs.JOBS), me_section=services.me_section)
