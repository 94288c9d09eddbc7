def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature, PublicTab
    from . import demo, jobs, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="disclosures", blueprint=views.bp, jobs=tuple(jobs.JOBS), demo=demo.seed,
                   todo_items=services.todo_items, me_section=services.me_section,
                   public_tabs=(PublicTab("commitments", "承诺", services.public_tab),
                                PublicTab("decisions", "决策", services.public_tab),
                                PublicTab("results", "结果", services.public_tab)))
