"""The check-in screen on a projector and a member's phone: the phone opens the URL decoded
from a screenshot of the QR on the screen, is checked in, and the screen counts 1 within 5 s."""
import io
import os
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from flask import request, request_finished
from playwright.sync_api import expect

from partyapp import clock

from ..conftest import browser_login
from ..factories_meetings import make_meeting

pytestmark = pytest.mark.browser


def test_a_phone_scans_the_screen_and_the_count_shows_1(app_ctx, live_server, desktop, phone,
                                                        screenshot_dir, world):
    meeting = make_meeting(world.branch, starts_at=clock.now() - timedelta(minutes=2),
                           host=world.secretary, recorder=world.recorder)
    screen = desktop.new_page()
    polls = []

    def record(sender, response, **extra):
        if request.path.endswith("/screen/live"):
            polls.append(response.status_code)

    request_finished.connect(record, app_ctx)
    browser_login(screen, live_server, world.secretary.phone)
    screen.goto(f"{live_server}/meetings/{meeting.id}/screen")
    expect(screen.locator("#screen-count")).to_have_text("0")
    qr = screen.locator("img.screen__qr")
    expect(qr).to_be_visible()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(decoded) == 1 and decoded[0].text.startswith(f"{live_server}/meetings/{meeting.id}/c/")

    member = phone.new_page()
    browser_login(member, live_server, world.member.phone)
    # From the scan to 已签到: one page load, no redirect, no tap.
    navigations = []
    member.on("framenavigated",
              lambda frame: navigations.append(frame.url) if frame == member.main_frame else None)
    member.add_init_script("window.__taps = 0; addEventListener('click', () => window.__taps++, true);"
                           "addEventListener('pointerdown', () => window.__taps++, true);")
    loaded = member.goto(decoded[0].text)
    expect(member.locator(".checkin-result__ok")).to_have_text("✓ 已签到")
    assert loaded.request.redirected_from is None and loaded.status == 200
    assert navigations == [decoded[0].text]
    assert member.evaluate("window.__taps") == 0
    member.screenshot(path=os.path.join(screenshot_dir, "meetings-checked-in-phone.png"))

    expect(screen.locator("#screen-count")).to_have_text("1", timeout=5000)
    expect(screen.locator(".screen__names")).to_contain_text("普通党员")
    # Nothing changed since: the browser revalidates with If-None-Match and gets a 304
    # (Playwright reports the cached 200, so this is counted on the server). The screen polls
    # every 5 s and its QR turns every 15 s, so of two polls after this one at most one is new.
    screen.wait_for_timeout(10500)
    request_finished.disconnect(record, app_ctx)
    assert 304 in polls, polls
    screen.screenshot(path=os.path.join(screenshot_dir, "meetings-screen.png"))
