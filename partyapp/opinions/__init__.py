def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature, PublicTab, calendar_changed, roles_ended
    from . import demo, handover, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="opinions", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   todo_items=services.todo_items,
                   public_tabs=(PublicTab("opinions", "意见", services.public_tab),),
                   receivers={calendar_changed: services.calendar_changed,
                              roles_ended: handover.hand_over})
