"""On a phone: the one responsible taps from 首页 to the item, writes what was done and attaches
a photo; the secretary, on another phone, taps 销号; the item reads 已销号."""
import os
from datetime import timedelta

import pytest
from PIL import Image

from partyapp import clock
from partyapp.extensions import db
from partyapp.rectification.models import RectificationItem

from ..conftest import browser_login

pytestmark = pytest.mark.browser


def _jpeg(path):
    Image.new("RGB", (320, 240), (30, 120, 60)).save(path, "JPEG")
    return path


def test_owner_gives_evidence_and_a_second_person_closes_on_a_phone(
        app_ctx, live_server, browser, world, screenshot_dir, tmp_path):
    from ..conftest import PHONE

    item = RectificationItem(org_id=world.branch.id, confirm_org_id=world.branch.id,
                             source="org_life", year=clock.today().year,
                             problem="党员学习笔记空白", measures="每月检查学习笔记",
                             owner_id=world.member.id, due_on=clock.today() + timedelta(days=7))
    db.session.add(item)
    db.session.commit()

    owner = browser.new_context(**PHONE)
    page = owner.new_page()
    browser_login(page, live_server, world.member.phone)
    page.get_by_role("link", name="整改：党员学习笔记空白").first.tap()
    page.wait_for_url(f"{live_server}/rectification/{item.id}")
    page.fill("textarea[name=text]", "已在主题党日集中学习，检查笔记19本")
    page.set_input_files("input[name=photo]", str(_jpeg(tmp_path / "p.jpg")))
    page.get_by_role("button", name="提交整改材料").tap()
    page.wait_for_selector("text=整改材料已提交")
    assert page.locator("#evidence img").count() == 1
    assert page.locator("#confirm").count() == 0          # the owner is offered no 销号
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(screenshot_dir, "rectification-evidence-phone.png"),
                    full_page=True)
    owner.close()

    secretary = browser.new_context(**PHONE)
    page = secretary.new_page()
    browser_login(page, live_server, world.secretary.phone)
    page.goto(f"{live_server}/rectification/{item.id}")
    page.get_by_role("button", name="核实到位，销号").tap()
    page.wait_for_selector("text=已确认整改到位")
    assert "已销号" in page.locator("#status").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "rectification-closed-phone.png"),
                    full_page=True)
    secretary.close()
