def feature():
    """What this feature offers the app (partyapp/features.py): the 整改清单 service, its
    pages, the reminder job, the 首页 lines and a block on the town dashboard."""
    from ..features import Feature
    from . import demo, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="rectification", blueprint=views.bp, jobs=tuple(jobs.JOBS),
                   demo=demo.seed, todo_items=services.todo_items,
                   page_sections={"town_overview": views.town_section,
                                  "meeting_detail": views.meeting_section})
