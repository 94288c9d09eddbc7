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


def test_a_limited_villager_reads_why_after_the_boosted_post(app_ctx, live_server, phone,
                                                             world, rate_limits):
    """Issue 16: the sixth kept opinion from one phone within 10 minutes is refused (429); the
    boosted (htmx) form shows the Chinese message instead of doing nothing."""
    villager = phone.new_page()
    topics = ["村东头路灯坏了三天", "自来水管在学校门口漏水", "集市边的排水沟堵住了", "广场舞音乐晚上太吵",
              "河边的护栏松动有危险", "公交站牌被风吹倒了"]
    for n, topic in enumerate(topics):
        villager.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
        villager.select_option("select[name=category]", "环境卫生")
        villager.fill("textarea[name=content]", f"{topic}，请尽快处理。")
        villager.click("main button[type=submit]")
        if n < 5:
            villager.wait_for_selector("text=已收到您的意见")
    villager.wait_for_selector("text=操作太频繁")
    assert "请稍等几分钟再试" in villager.inner_text("body")
