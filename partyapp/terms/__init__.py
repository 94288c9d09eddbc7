def feature():
    """What this feature offers the app (partyapp/features.py): each organisation's current
    term (届期), the reminders before it ends, and the next term when a 换届 is recorded."""
    from ..features import Feature, term_changed
    from . import demo, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="terms", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   todo_items=services.todo_items,
                   receivers={term_changed: services.on_term_changed})
