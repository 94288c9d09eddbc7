def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature, Job
    from . import layout, services, views  # noqa: F401  (routes exist once loaded)

    return Feature(name="main", blueprint=views.bp, on_app=layout.configure_layout,
                   jobs=(Job("heartbeat", services.clock_heartbeat, minutes=1),))
