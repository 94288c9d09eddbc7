def feature():
    """What this feature offers the app (partyapp/features.py): 民主评议党员 at the yearly
    组织生活会 — a secret ballot through the ballot service, the branch's confirmation, and the
    公示 through the notice service — with its pages and the 首页 line of those still to vote."""
    from ..features import Feature
    from . import demo, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="orglife", blueprint=views.bp, demo=demo.seed,
                   todo_items=services.todo_items)
