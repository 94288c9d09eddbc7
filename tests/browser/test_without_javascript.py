"""What cannot work without JavaScript is not shown: 复制通知 and 用相机扫个人码 (`.btn`'s
display used to override `hidden`). With JavaScript the copy button is there and copies."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from partyapp import clock

from ..conftest import PHONE, browser_login
from ..factories_meetings import make_meeting

pytestmark = pytest.mark.browser


@pytest.fixture
def running(world):
    return make_meeting(world.branch, starts_at=clock.now() - timedelta(minutes=2),
                        host=world.secretary, recorder=world.recorder)


def test_without_javascript_the_copy_and_camera_buttons_are_hidden(
        app_ctx, browser, live_server, world, running):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    browser_login(page, live_server, world.secretary.phone)
    page.goto(f"{live_server}/meetings/{running.id}/notice")
    expect(page.locator("#notice-text")).to_be_visible()
    expect(page.get_by_role("button", name="复制通知")).to_be_hidden()
    page.goto(f"{live_server}/meetings/{running.id}/door")
    expect(page.get_by_role("button", name="按签到码签到")).to_be_visible()
    expect(page.get_by_role("button", name="用相机扫个人码")).to_be_hidden()
    context.close()


def test_with_javascript_the_copy_button_shows_and_copies(app_ctx, browser, live_server, world,
                                                          running):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], **PHONE)
    page = context.new_page()
    browser_login(page, live_server, world.secretary.phone)
    page.goto(f"{live_server}/meetings/{running.id}")
    page.get_by_role("link", name="复制通知").tap()   # a boosted visit: the button still shows
    button = page.get_by_role("button", name="复制通知")
    expect(button).to_be_visible()
    button.tap()
    expect(page.get_by_role("button", name="已复制")).to_be_visible()
    assert running.topic in page.evaluate("navigator.clipboard.readText()")
    context.close()
