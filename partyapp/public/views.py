"""/v/: find your village; /v/<slug>/: its service page (公开栏 · 我要提意见 · 查我的意见);
/v/<slug>/<tab>: the public tabs (承诺 · 决策 · 结果 · 意见). No log-in."""
from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from ..features import TabQuery
from ..web import render_page
from . import services

bp = Blueprint("public", __name__, url_prefix="/v")


VILLAGE_COOKIE = "village"   # the village last opened on this phone, offered first on 首页
LIST_MAX = 60                # more villages than this: the villager types a name first


def _finder_context() -> dict:
    query = (request.args.get("q") or "")[:services.QUERY_MAX]
    found = services.villages(query)
    last = request.cookies.get(VILLAGE_COOKIE, "")[:40]
    remembered = next((v for v in found if v.slug == last), None) if last and not query \
        else None
    return {"query": query, "villages": found[:LIST_MAX], "more": max(0, len(found) - LIST_MAX),
            "remembered": remembered}


@bp.get("/")
def villages():
    """找到您的村: every village page, searchable by name or pinyin initials (dhc → 东湖村)."""
    return render_page("public/villages.html", "public/_village_list.html",
                       targets=("village-list",), **_finder_context())


def welcome_section(**_context) -> Markup:
    """The finder on the anonymous 首页 (page section "welcome")."""
    return Markup(render_template("public/_village_finder.html", **_finder_context()))


@bp.get("/<slug>/")
def village(slug):
    """The village's service page: large tiles 公开栏 / 我要提意见 / 查我的意见."""
    village = services.village_by_slug(slug) or abort(404)
    response = current_app.make_response(render_template(
        "public/village.html", village=village, tabs=services.tabs()))
    response.set_cookie(VILLAGE_COOKIE, village.slug, max_age=3600 * 24 * 400, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


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
