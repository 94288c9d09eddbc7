def feature():
    """What this feature offers the app (partyapp/features.py)."""
    from ..features import Feature
    from . import views  # noqa: F401  (routes exist once loaded)

    return Feature(name="public", blueprint=views.bp,
                   page_sections={"welcome": views.welcome_section})
