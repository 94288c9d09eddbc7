"""Door mode for forty people at once: the list puts who has not arrived first, searches by name
or pinyin initials (also without JavaScript), answers a tap at the tapped row, and lets the
recorder take a check-in back for a minute (audited)."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services
from partyapp.meetings.models import CheckIn
from partyapp.models import AuditEntry

from .factories import make_person
from .factories_meetings import make_meeting

START = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)


@pytest.fixture
def meeting(world, frozen):
    frozen(START)
    return make_meeting(world.branch, starts_at=START, minutes=90, host=world.secretary,
                        recorder=world.recorder)


def text(response) -> str:
    return response.get_data(as_text=True)


def names_in_list(page: str) -> list[str]:
    return re.findall(r'<li class="list__item door__item"[^>]*>\s*<div[^>]*>\s*'
                      r'<span class="list__title">(\S+) ', page)


def test_who_has_not_arrived_comes_first(client, login, world, meeting):
    services.check_in(meeting, world.group_leader.id, method="manual", enforce_window=False)
    login(world.recorder)
    names = names_in_list(text(client.get(f"/meetings/{meeting.id}/door")))
    assert names[-1] == "小组长" and len(names) == 4
    assert names.index("普通党员") < names.index("小组长")


def test_the_search_finds_a_name_by_its_pinyin_initials_without_javascript(
        client, login, world, meeting, frozen):
    make_person("张晓燕", org=world.branch)
    db.session.commit()
    late = make_meeting(world.branch, starts_at=START, minutes=90, host=world.secretary,
                        recorder=world.recorder)
    login(world.recorder)
    page = text(client.get(f"/meetings/{late.id}/door?q=zxy"))
    assert names_in_list(page) == ["张晓燕"]
    assert 'data-search="张晓燕 zxy zhangxiaoyan"' in page
    assert names_in_list(text(client.get(f"/meetings/{late.id}/door?q=张"))) == ["张晓燕"]
    assert "没有找到“qqq”" in text(client.get(f"/meetings/{late.id}/door?q=qqq"))


def test_a_tap_answers_in_its_own_row_with_an_undo(client, login, world, meeting):
    login(world.recorder)
    row = client.post(f"/meetings/{meeting.id}/door/manual", data={"person_id": world.member.id},
                      headers={"HX-Request": "true", "HX-Target": f"door-row-{world.member.id}"})
    body = text(row)
    assert row.status_code == 200 and body.lstrip().startswith(
        f'<li class="list__item door__item" id="door-row-{world.member.id}"')
    assert "✓ 普通党员 签到成功" in body and "撤销（60秒内）" in body and "<html" not in body


def test_without_javascript_the_tap_comes_back_to_its_row(client, login, world, meeting):
    login(world.recorder)
    answer = client.post(f"/meetings/{meeting.id}/door/manual",
                         data={"person_id": world.member.id})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/door#door-row-{world.member.id}")


def test_the_recorder_undoes_a_check_in_within_a_minute_and_it_is_audited(
        client, login, world, meeting, frozen):
    login(world.recorder)
    client.post(f"/meetings/{meeting.id}/door/manual", data={"person_id": world.member.id})
    frozen(START + timedelta(seconds=50))
    undone = client.post(f"/meetings/{meeting.id}/door/undo", data={"person_id": world.member.id},
                         headers={"HX-Request": "true", "HX-Target": f"door-row-{world.member.id}"})
    assert "已撤销签到" in text(undone) and 'aria-label="为普通党员签到"' in text(undone)
    assert db.session.scalar(select(CheckIn)) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_in.undo"))
    assert entry.actor_id == world.recorder.id and str(world.member.id) in entry.detail


def test_after_a_minute_or_for_someone_else_s_check_in_there_is_no_undo(
        client, login, world, meeting, frozen):
    login(world.recorder)
    client.post(f"/meetings/{meeting.id}/door/manual", data={"person_id": world.member.id})
    services.check_in(meeting, world.group_leader.id)   # scanned the QR himself
    frozen(START + timedelta(seconds=61))
    late = client.post(f"/meetings/{meeting.id}/door/undo", data={"person_id": world.member.id},
                       follow_redirects=True)
    assert "只能在一分钟内撤销" in text(late)
    own = client.post(f"/meetings/{meeting.id}/door/undo",
                      data={"person_id": world.group_leader.id}, follow_redirects=True)
    assert "只能在一分钟内撤销" in text(own)
    assert len(db.session.scalars(select(CheckIn)).all()) == 2
    assert "撤销（60秒内）" not in text(client.get(f"/meetings/{meeting.id}/door"))
