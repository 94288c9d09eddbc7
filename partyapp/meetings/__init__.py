def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature, roles_ended
    from . import demo, handover, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="meetings", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   todo_items=services.todo_items, me_section=services.me_section,
                   receivers={roles_ended: handover.hand_over},
                   page_sections={"town_meetings": views.views_ledger.town_org_life_section})
