def feature():
    """What this feature offers the app (partyapp/features.py): the town's yearly loop —
    达标创优, 软弱涣散 整顿台账, 挂点 + 一月一研判, 书记后备 — its pages, the overdue reminder,
    the 我的 block and a block on the town dashboard."""
    from ..features import Feature
    from . import demo, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="yearly", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   me_section=services.me_section,
                   page_sections={"town_overview": views.town_section},
                   audit_labels=services.ACTION_LABELS)
