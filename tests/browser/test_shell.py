"""A member on a phone: logs in, sees the tab bar, switches to 长辈版 (elder-friendly mode)."""
import os

import pytest

from partyapp.extensions import db

from ..conftest import browser_login
from ..factories import make_person

pytestmark = pytest.mark.browser


def test_member_logs_in_on_a_phone_and_sees_the_tab_bar(app_ctx, live_server, phone, screenshot_dir, world):
    page = phone.new_page()
    browser_login(page, live_server, world.member.phone)
    labels = page.locator("nav.tabbar .tabbar__label").all_inner_texts()
    assert [label.strip()[:4] for label in labels] == ["首页", "会议签到", "意见箱", "公开", "我的"]
    page.screenshot(path=os.path.join(screenshot_dir, "home-phone.png"), full_page=True)
