"""A villager on a phone drops an opinion in the box without an account, follows the tracking
link; the secretary replies; the villager sees the reply and rates it."""
import os

import pytest
from sqlalchemy import select

from partyapp.extensions import db
from partyapp.opinions.models import Opinion

from ..conftest import browser_login

pytestmark = pytest.mark.browser


def test_villager_submits_secretary_replies_villager_rates(app_ctx, live_server, phone, browser,
                                                         screenshot_dir, world):
    villager = phone.new_page()
    villager.goto(f"{live_server}/v/{world.branch.slug}/opinions")
    villager.click("text=我要提意见")
    villager.select_option("select[name=category]", "环境卫生")
    villager.fill("textarea[name=content]", "村东头的垃圾池满了三天，没有人来清运。")
    villager.fill("input[name=phone]", "13912345678")
    villager.click("main button[type=submit]")
    villager.wait_for_selector("text=已收到您的意见")
    assert "前答复" in villager.inner_text("main")
    tracking_url = villager.url.split("?")[0]
    villager.screenshot(path=os.path.join(screenshot_dir, "opinion-submitted-phone.png"),
                        full_page=True)

    opinion_id = db.session.scalar(select(Opinion.id))
    staff_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        secretary = staff_context.new_page()
        browser_login(secretary, live_server, world.secretary.phone)
        secretary.goto(f"{live_server}/opinions/{opinion_id}")
        secretary.fill("textarea[name=text]", "已通知保洁员今天下午清运，以后每两天清运一次。")
        secretary.click("#reply button[type=submit]")
        secretary.wait_for_selector("text=已答复。")
    finally:
        staff_context.close()

    villager.goto(tracking_url)
    assert "已通知保洁员今天下午清运" in villager.inner_text("#reply")
    villager.check("input[name=rating][value=good]")
    villager.click("#reply button[type=submit]")
    villager.wait_for_selector("text=谢谢您的评价")
    assert "您的评价：满意" in villager.inner_text("#reply")
    villager.screenshot(path=os.path.join(screenshot_dir, "opinion-rated-phone.png"),
                        full_page=True)
