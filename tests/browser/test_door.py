"""Door mode on the recorder's phone with 19 members: two letters typed, one tap on the last
name, the answer at that row without scrolling, and undo."""
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings.models import CheckIn
from partyapp.models import Person

from ..conftest import browser_login
from ..factories import make_person
from ..factories_meetings import make_meeting

pytestmark = pytest.mark.browser

MORE = ("王芳", "李强", "刘洋", "陈静", "杨帆", "黄磊", "吴敏", "徐丽", "孙涛", "胡军", "朱琳",
        "高峰", "林红", "何勇", "周晓云")


def nineteen_members(world):
    for name in MORE:
        make_person(name, org=world.branch)
    db.session.commit()
    return make_meeting(world.branch, starts_at=clock.now() - timedelta(minutes=2),
                        host=world.secretary, recorder=world.recorder)


def test_the_last_of_19_is_found_by_two_letters_and_checked_in_with_one_tap_then_undone(
        app_ctx, live_server, phone, screenshot_dir, world):
    meeting = nineteen_members(world)
    page = phone.new_page()
    browser_login(page, live_server, world.recorder.phone)
    page.goto(f"{live_server}/meetings/{meeting.id}/door")
    rows = page.locator("[data-door-list] > li")
    expect(rows).to_have_count(19)
    page.evaluate("window.__taps = 0; addEventListener('pointerdown', () => window.__taps++, true);")
    page.fill("[data-door-search]", "zx")
    expect(page.locator("[data-door-list] > li:visible")).to_have_count(1)
    row = page.locator("#door-row-" + str(_id(world, "周晓云")))
    row.get_by_role("button", name="为周晓云签到").tap()
    expect(row.locator(".door__result")).to_have_text("✓ 周晓云 签到成功")
    assert page.evaluate("window.__taps") == 1
    box = row.bounding_box()
    assert page.evaluate("window.scrollY") < 100 and 0 <= box["y"] and box["y"] + box["height"] <= 844
    page.screenshot(path=os.path.join(screenshot_dir, "door-search-tap.png"))

    row.get_by_role("button", name="撤销周晓云的签到").tap()
    expect(row.locator(".door__result")).to_have_text("已撤销签到")
    expect(row.get_by_role("button", name="为周晓云签到")).to_be_visible()
    db.session.expire_all()
    assert db.session.query(CheckIn).count() == 0


def _id(world, name):
    return db.session.query(Person.id).filter_by(name=name).scalar()
