"""/v/<slug>: the village's public page (承诺 · 决策 · 结果 · 意见), no log-in."""
from flask import abort, redirect, url_for

from ..web import render_page
from . import bp, services


@bp.get("/<slug>/")
def village(slug):
    return redirect(url_for("public.tab", slug=slug, tab="commitments"))


@bp.get("/<slug>/<tab>")
def tab(slug, tab):
    village = services.village_by_slug(slug)
    if village is None or tab not in services.TABS:
        abort(404)
    context = services.tab_context(tab, village)
    template = context.pop("template", "public/tab_placeholder.html")
    # A tab may offer a part of itself that htmx fetches alone: (template, its targets).
    fragment, targets = context.pop("fragment", (None, ()))
    return render_page(template, fragment, targets=targets, village=village, tab=tab,
                       tabs=services.TABS, **context)
