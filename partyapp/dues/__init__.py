def feature():
    """What this feature offers the app (partyapp/features.py): 党费 records (no payment
    processing), the arrears talks the clock asks the secretary for, the town's summary."""
    from ..features import Feature
    from . import demo, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="dues", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   todo_items=services.todo_items, me_section=services.me_section)
