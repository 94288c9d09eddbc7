"""The check-in screen on a 1280×800 projector: a kiosk page (QR at least 60 % of the height,
a big 实到/应到, the latest arrivals, nothing else) that keeps its QR fresh without JavaScript."""
import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from partyapp import clock
from partyapp.meetings import services

from ..conftest import browser_login
from ..factories_meetings import make_meeting

pytestmark = pytest.mark.browser

PROJECTOR = dict(viewport={"width": 1280, "height": 800}, locale="zh-CN",
                 timezone_id="Asia/Shanghai")


@pytest.fixture
def running(world):
    meeting = make_meeting(world.branch, starts_at=clock.now() - timedelta(minutes=2),
                           host=world.secretary, recorder=world.recorder)
    services.check_in(meeting, world.member.id)
    return meeting


def test_the_kiosk_fills_the_projector_with_the_qr_and_nothing_else(
        app_ctx, browser, live_server, screenshot_dir, world, running):
    context = browser.new_context(**PROJECTOR)
    page = context.new_page()
    browser_login(page, live_server, world.secretary.phone)
    page.goto(f"{live_server}/meetings/{running.id}/screen")
    qr = page.locator("img.screen__qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["height"] >= 0.6 * 800 and box["y"] >= 0 and box["y"] + box["height"] <= 800
    expect(page.locator("#screen-count")).to_have_text("1")
    expect(page.locator("#screen-expected")).to_have_text("4")
    expect(page.locator(".screen__names")).to_have_text("普通党员")
    assert page.locator(".tabbar, .care-switch, .topbar, .flashes").count() == 0
    assert page.evaluate("document.documentElement.scrollHeight") <= 800
    page.screenshot(path=os.path.join(screenshot_dir, "kiosk-1280x800.png"))
    context.close()


def test_without_javascript_the_kiosk_reloads_and_the_qr_changes_within_16_seconds(
        app_ctx, browser, live_server, world, running):
    context = browser.new_context(java_script_enabled=False, **PROJECTOR)
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=phone]", world.secretary.phone)
    page.fill("input[name=password]", "pass1234")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/meetings/{running.id}/screen")
    first = page.locator("img.screen__qr").get_attribute("src")
    token = re.search(r"t=([^&]+)", first).group(1)
    expect(page.locator("img.screen__qr")).not_to_have_attribute("src", first, timeout=16500)
    assert re.search(r"t=([^&]+)", page.locator("img.screen__qr").get_attribute("src")).group(1) \
        != token
    context.close()
