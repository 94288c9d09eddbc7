"""/v/<slug>: the village's public page (承诺 · 决策 · 结果 · 意见), no log-in."""
from flask import Blueprint, abort, redirect, request, url_for

from ..features import TabQuery
from ..web import render_page
from . import services

bp = Blueprint("public", __name__, url_prefix="/v")


@bp.get("/<slug>/")
def village(slug):
    return redirect(url_for("public.tab", slug=slug, tab="commitments"))


@bp.get("/<slug>/<tab>")
def tab(slug, tab):
    village = services.village_by_slug(slug)
    query = TabQuery(args=request.args.to_dict(), url_root=request.url_root)
    context = services.tab_context(tab, village, query) if village is not None else None
    if context is None:
        abort(404)
    template = context.pop("template", "public/tab_placeholder.html")
    # A tab may offer a part of itself that htmx fetches alone: (template, its targets).
    fragment, targets = context.pop("fragment", (None, ()))
    return render_page(template, fragment, targets=targets, village=village, tab=tab,
                       tabs=services.tabs(), **context)
