"""A member opens 我的 on a 390×844 phone: the e-card (亮身份、亮职责、亮承诺) with stars and
a QR that leads to the village's public commitments, then taps through to the breakdown."""
import os
from datetime import date
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services as meeting_services
from partyapp.ratings import entries, notice

from ..conftest import browser_login
from ..factories_disclosures import make_commitment
from ..factories_ratings import branch_rubric, manual_item

pytestmark = pytest.mark.browser


def test_member_sees_the_card_and_the_breakdown_on_a_phone(app_ctx, live_server, phone, world,
                                                           screenshot_dir):
    year = clock.today().year
    rubric = branch_rubric(world.secretary, world.branch, year)
    make_commitment(world.branch, world.member, kind="member", title="每月义务清扫村口公园",
                    due_on=date(year, 12, 31))
    entries.add_entry(world.secretary, world.branch, manual_item(rubric), world.member.id, 5,
                      "带头清理河道")
    meeting_services.issue_code(world.secretary, world.member.id)
    notice.publish(world.secretary, world.branch, year)
    db.session.commit()

    page = phone.new_page()
    browser_login(page, live_server, world.member.phone)
    page.goto(f"{live_server}/me")
    card = page.locator("#ratings-ecard")
    card.scroll_into_view_if_needed()
    text = card.inner_text()
    assert "党员电子名片" in text and "普通党员" in text and "甲一村党支部" in text
    assert "党龄" in text and "每月义务清扫村口公园" in text and "★" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    qr = card.locator(".ecard__qr img")
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(qr.screenshot())))
    assert len(decoded) == 1 and decoded[0].text.endswith("/v/jia1/commitments")
    card.screenshot(path=os.path.join(screenshot_dir, "ratings-ecard-phone.png"))

    card.get_by_text("为什么是这个星级？").tap()
    page.wait_for_url(f"{live_server}/ratings/")
    breakdown = page.locator("#breakdown")
    assert "带头清理河道" in breakdown.inner_text()
    assert "参加三会一课、主题党日" in breakdown.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(screenshot_dir, "ratings-breakdown-phone.png"), full_page=True)
