def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature
    from . import demo, models, services, views  # noqa: F401  (tables, routes)

    return Feature(name="ratings", blueprint=views.bp, demo=demo.seed,
                   todo_items=services.todo_items, me_section=services.me_section)
