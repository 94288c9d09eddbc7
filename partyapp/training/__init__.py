def feature():
    """What this feature offers the app (partyapp/features.py): training counted per person —
    the town's own sessions (书记轮训 and member courses) with their check-in, external courses
    entered as records, and branch meetings of the kind 党员教育培训 (read from meetings'
    tables); the town sees who is missing by the year's end."""
    from ..features import Feature
    from . import demo, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="training", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   me_section=services.me_section)
