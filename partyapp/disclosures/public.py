"""The public village tabs 承诺 · 决策 · 结果 (no log-in). Only public fields reach these
templates: names, titles, dates, counts and totals — never phone numbers, internal minutes or
how a single person voted. Each tab prints as one A4 poster with a QR back to the live page."""
from __future__ import annotations

import base64
from functools import lru_cache
from io import BytesIO

import qrcode
from flask import current_app, url_for

from .. import clock
from . import commitments as commitment_service
from . import decisions as decision_service
from . import reviews

TAB_TITLES = {"commitments": "承诺事项公开", "decisions": "决策过程公开", "results": "实施结果公开"}


def public_tab(tab: str, village, query) -> dict | None:
    """`query` is the page's features.TabQuery (its ?page and ?person, the site's address)."""
    build = {"commitments": _commitments_tab, "decisions": _decisions_tab,
             "results": _results_tab}.get(tab)
    if build is None:
        return None
    context = build(village, query)
    page_url = live_page_url(village, tab, query.url_root)
    context.update(template=f"disclosures/public_{tab}.html", poster_title=TAB_TITLES[tab],
                   page_url=page_url, qr_data_uri=qr_data_uri(page_url),
                   printed_on=clock.today())
    return context


def live_page_url(village, tab: str, url_root: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or url_root.rstrip("/")
    return base.rstrip("/") + url_for("public.tab", slug=village.slug, tab=tab)


@lru_cache(maxsize=512)
def qr_data_uri(text: str) -> str:
    """The poster's QR image (a pure function of the URL: made once per process, ~10 ms)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(text)
    buffer = BytesIO()
    qr.make_image().save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _requested_person(query) -> int | None:
    value = query.args.get("person", "")
    return int(value) if (value.isascii() and value.isdigit()) and len(value) < 10 else None


# Cards on one screen of the commitments and results tabs; "显示更多" brings the next ones
# (htmx) in place.
CARDS_PER_PAGE = 20


def _requested_page(query, count: int) -> int:
    """The ?page asked for, kept between the first and the last page of `count` cards."""
    value = query.args.get("page", "")
    page = int(value) if (value.isascii() and value.isdigit()) and len(value) < 6 else 1
    return max(1, min(page, (count + CARDS_PER_PAGE - 1) // CARDS_PER_PAGE))


def _page_of(query, items: list) -> tuple[int, list, int]:
    """(the page asked for, its items, how many come after it)."""
    page = _requested_page(query, len(items))
    first = (page - 1) * CARDS_PER_PAGE
    on_page = items[first:first + CARDS_PER_PAGE]
    return page, on_page, len(items) - first - len(on_page)


def _commitments_tab(village, query) -> dict:
    """The poster table lists every commitment (plain rows); a phone gets the cards, with the
    progress history, one page at a time."""
    lines = commitment_service.poster_lines(village.id)
    person_id = _requested_person(query)
    shown = [c for c in lines if person_id is None or c.owner_id == person_id]
    page, on_page, remaining = _page_of(query, shown)
    closed = reviews.rounds_of([village.id], closed_only=True)
    latest_round = closed[0] if closed else None
    totals = reviews.aggregates([latest_round.id]) if latest_round else {}
    return dict(
        commitments=shown, owners=_owners(lines), person_id=person_id,
        cards=commitment_service.with_history(c.id for c in on_page), page=page,
        remaining=remaining,
        stale_ids=commitment_service.stale_ids(shown),
        latest_round=latest_round,
        review_totals={cid: counts for (rid, cid), counts in totals.items()},
        last_updated=max((c.updated_at for c in lines), default=None),
        fragment=("disclosures/_commitment_cards.html", ("more-commitments",)))


def _owners(lines) -> list[tuple[int, str]]:
    """(id, name) of everyone with a commitment, in pinyin order (the person filter)."""
    owners = {c.owner_id: (c.owner_pinyin, c.owner_name) for c in lines}
    return [(pid, name) for pid, (_, name) in sorted(owners.items(), key=lambda o: (o[1][0], o[0]))]


def _decisions_tab(village, query) -> dict:
    decisions = decision_service.branch_decisions([village.id])
    return dict(decisions=decisions,
                last_updated=max((d.updated_at for d in decisions), default=None))


def _results_tab(village, query) -> dict:
    """Decisions with their published steps, and the finished commitments: the poster table
    lists them all with their verdicts (plain rows); a phone gets their cards one page at a
    time, like the commitments tab — not every commitment with its history, as before."""
    decisions = decision_service.published_results(village.id)
    finished = commitment_service.poster_lines(village.id, finished_only=True)
    page, on_page, remaining = _page_of(query, finished)
    stamps = [d.updated_at for d in decisions] + [c.updated_at for c in finished]
    return dict(decisions=decisions, finished=finished, cards=on_page, page=page,
                remaining=remaining,
                assessments=commitment_service.assessments_of(c.id for c in finished),
                last_updated=max(stamps, default=None),
                fragment=("disclosures/_result_cards.html", ("more-results",)))
