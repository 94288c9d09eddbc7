"""Property-based fuzzing of the forms, through the real stack with a valid session and a valid
CSRF token (so inputs reach validation): never a 500, a rejection writes nothing (row counts of
every table before and after), and an accepted input is really stored.

Each form is a row in FORMS: who posts, where, a valid submission, and the table that grows
when it is accepted. Every field of every form is fuzzed: hostile text (control characters,
NUL, RTL marks, emoji, very long), numbers, dates, or the valid value."""
from __future__ import annotations

import re
from datetime import timedelta
from dataclasses import dataclass
from typing import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from partyapp import clock
from partyapp.extensions import db

from .access.rules import ANON
from .proof_support import populate_all, row_counts

HOSTILE = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\u202e反转", "🙂" * 50, "<script>", "' OR 1=1 --",
                     "9" * 40, "-1", "0", "2026-02-30", "99:99", "1e309", "NaN", "１２３",
                     "字" * 5000, "\r\n" * 10]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.dates().map(str),
)


@dataclass
class FormCase:
    persona: str
    url: Callable          # world -> url
    valid: Callable        # world -> dict of a submission that must be accepted
    table: str             # table that gets a row when accepted ("" when nothing is stored)
    page: Callable | None = None   # world -> GET url carrying the CSRF token (default: url)
    counters: frozenset = frozenset()  # tables a rejection does write (failed log-in counters)


def _plan(w):
    return {"org_id": str(w.branch.id), "kind_ids": [str(w.extra["kind"])], "topic": "冬季安全主题党日",
            # a plan ahead, inside the bounds (to 31 December of next year)
            "day": (clock.today() + timedelta(days=30)).isoformat(), "start": "09:00", "end": "11:00", "place": "村部",
            "checkin_opens_minutes": "30", "late_after_minutes": "10"}


FORMS = {
    "opinion submit": FormCase(
        ANON, lambda w: f"/opinions/v/{w.branch.slug}/new",
        lambda w: {"category": "村务", "content": "村口的路灯坏了三天，晚上看不见路。",
                   "name": "张", "phone": "13912340000", "public_allowed": "y"}, "opinion"),
    "opinion by staff": FormCase(
        "secretary", lambda w: f"/opinions/branch/{w.branch.id}/new",
        lambda w: {"category": "村务", "content": "电话反映：水渠漏水需要修理。", "channel": "paper",
                   "received_on": "2026-11-02", "public_allowed": "y"}, "opinion"),
    "opinion reply": FormCase(
        "secretary", lambda w: f"/opinions/{w.extra['opinion']}/reply",
        lambda w: {"text": "已安排电工本周修好。", "visibility": "public"}, "audit_entry",
        page=lambda w: f"/opinions/{w.extra['opinion']}"),
    "find tracking link": FormCase(
        ANON, lambda w: "/opinions/find",
        lambda w: {"reference": "X", "phone": "13900000000"}, ""),
    "log in": FormCase(ANON, lambda w: "/auth/login",
                       lambda w: {"phone": "13900000000", "password": "wrongpass"}, "",
                       counters=frozenset({"login_failure"})),
    "roster add": FormCase(
        "secretary", lambda w: f"/org/{w.branch.id}/people/new",
        lambda w: {"name": "王秀英", "phone": "13812345678", "party_status": "full",
                   "joined_party_on": "2001-07-01"}, "person"),
    "town org new": FormCase(
        "town_admin", lambda w: f"/org/town/{w.town.id}/orgs/new",
        lambda w: {"parent_id": str(w.branch.id), "kind": "group", "name": "第九党小组"},
        "organization", page=lambda w: f"/org/town/{w.town.id}/orgs"),
    "commitment new": FormCase(
        "secretary", lambda w: f"/disclosures/b/{w.branch.id}/commitments/new",
        lambda w: {"owner_id": str(w.secretary.id), "kind": "annual", "title": "建设卫生站",
                   "content": "选址施工", "baseline": "没有卫生站", "target": "每周开诊5天",
                   "due_on": "2030-12-31", "decision_id": "0"}, "commitment"),
    "commitment progress": FormCase(
        "secretary", lambda w: f"/disclosures/c/{w.extra['commitment']}/progress",
        lambda w: {"text": "路基完成", "percent": "40", "status": "in_progress"},
        "commitment_update", page=lambda w: f"/disclosures/c/{w.extra['commitment']}"),
    "decision new": FormCase(
        "secretary", lambda w: f"/disclosures/b/{w.branch.id}/decisions/new",
        lambda w: {"procedure": "siyi_liangkai", "title": "修建文化广场", "summary": "占地3亩"},
        "decision"),
    "meeting plan": FormCase("secretary", lambda w: "/meetings/plan", _plan, "meeting"),
    "leave request": FormCase(
        "member", lambda w: f"/meetings/{w.extra['spare']}/leave",
        lambda w: {"leave_type": "personal", "reason": "外出务工"}, "leave_request"),
    "door code": FormCase(
        "secretary", lambda w: f"/meetings/{w.extra['meeting']}/door/code",
        lambda w: {"code": "NOPE"}, "", page=lambda w: f"/meetings/{w.extra['meeting']}/door"),
}


def _fields(case: FormCase, world) -> list[str]:
    return sorted(case.valid(world))


def _token(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def _prepare(app, world, login, case):
    populate_all(world)
    client = app.test_client()
    if case.persona != ANON:
        login(getattr(world, case.persona), client)
    url = case.url(world)
    token = _token(client, (case.page or case.url)(world))
    return client, url, token


@pytest.mark.parametrize("name", sorted(FORMS))
def test_fuzz_form(app, world, login, csrf_enabled, name):
    case = FORMS[name]
    client, url, token = _prepare(app, world, login, case)
    valid = case.valid(world)
    fields = _fields(case, world)
    outcomes = {"accepted": 0, "rejected": 0}

    @given(st.fixed_dictionaries({f: st.one_of(st.just(valid[f]), HOSTILE) for f in fields}))
    @example({f: valid[f] for f in fields})
    def check(data):
        before = row_counts()
        response = client.post(url, data=dict(data, csrf_token=token))
        after = row_counts()
        db.session.rollback()
        assert response.status_code < 500, (data, response.status_code)
        if response.status_code in (302, 303) and case.table:
            outcomes["accepted"] += 1
            assert after[case.table] > before[case.table], (data, "accepted but not stored")
        else:
            outcomes["rejected"] += 1
            changed = {t for t in after if after[t] != before[t]} - case.counters
            if case.table or response.status_code != 303:
                assert not changed, (data, response.status_code, changed)

    check()
    if case.table:
        assert outcomes["accepted"] >= 1, "the valid example must be stored"
