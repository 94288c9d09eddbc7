"""htmx: whether a request asked for a piece of a page, and rendering the page or the piece."""
from flask import render_template, request


def wants_fragment(*targets: str) -> bool:
    """True when htmx asked for a piece of the page (not a boosted navigation or history
    restore). Views render the fragment only for the targets they name."""
    if request.headers.get("HX-Request") != "true" or request.headers.get("HX-Boosted"):
        return False
    if request.headers.get("HX-History-Restore-Request"):
        return False
    return not targets or request.headers.get("HX-Target") in targets


def render_page(template: str, fragment: str | None = None, *, targets=(), **context):
    """Render the whole page, or only `fragment` when htmx asked for one of `targets`."""
    if fragment and wants_fragment(*targets):
        return render_template(fragment, **context)
    return render_template(template, **context)
