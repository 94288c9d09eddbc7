"""A villager on a phone (WeChat, 360×640 and 390×844): from `/` finds the village by pinyin
initials, taps 我要提意见, sends an opinion, sees the receipt at the top; the secretary replies;
the villager comes back from `/` through 查我的意见 (no link kept by hand) to the reply and
rates it. Then 找回 on another phone: the old link says 链接已更换."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from partyapp.extensions import db
from partyapp.opinions.models import Opinion
from partyapp.opinions.services import reply_to_opinion

from .test_taps import WECHAT_UA, no_sideways_scroll, wait_until, wechat  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_villager_from_home_to_an_opinion_and_back_to_its_reply(app_ctx, live_server, wechat,
                                                                 browser, world):
    page = wechat.new_page()
    page.goto(f"{live_server}/")
    wait_until(page, "window.htmx !== undefined")
    assert "找到您的村" in page.inner_text("main") and no_sideways_scroll(page)
    page.fill("#village-q", "jyc")                 # 甲一村 by its pinyin initials
    wait_until(page, "document.querySelectorAll('#village-list a').length === 1")
    page.locator("#village-list a", has_text="甲一村").tap()
    page.wait_for_selector("nav.tiles")
    assert page.locator(".tile").count() == 3 and no_sideways_scroll(page)
    page.locator(".tile", has_text="我要提意见").tap()
    page.wait_for_selector("textarea[name=content]")
    page.select_option("select[name=category]", "环境卫生")
    page.fill("textarea[name=content]", "村东头的垃圾池满了三天，没有人来清运。")
    page.fill("input[name=phone]", "13912345678")
    page.locator("main form button[type=submit]").tap()
    page.wait_for_selector("text=已收到您的意见")
    wait_until(page, "window.scrollY === 0")
    assert page.locator(".opinion-ref").is_visible()
    assert "“···”→“收藏”" in page.inner_text(".opinion-receipt")
    assert no_sideways_scroll(page)
    first_link = page.url.split("?")[0]

    opinion = db.session.scalar(select(Opinion))
    reply_to_opinion(world.secretary, opinion, "已通知保洁员今天下午清运，以后每两天清运一次。")

    # Days later, from 首页: the village is remembered, 查我的意见 lists the opinion.
    page.goto(f"{live_server}/")
    page.locator("a", has_text="进入甲一村").tap()
    page.wait_for_selector("nav.tiles")
    page.locator(".tile", has_text="查我的意见").tap()
    page.wait_for_selector(".mine-list")
    page.locator(".mine-list a").first.tap()
    page.wait_for_selector("#reply")
    assert "已通知保洁员今天下午清运" in page.inner_text("#reply")
    page.check("input[name=rating][value=good]")
    page.locator("#reply button[type=submit]").tap()
    page.wait_for_selector("text=谢谢您的评价")
    assert "您的评价：满意" in page.inner_text("#reply")

    # 找回 on another phone replaces the link: the old one says so, with the way on.
    other = browser.new_context(viewport={"width": 360, "height": 640}, user_agent=WECHAT_UA,
                                is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        helper = other.new_page()
        helper.goto(f"{live_server}/opinions/find")
        helper.fill("input[name=reference]", opinion.reference)
        helper.fill("input[name=phone]", "13912345678")
        helper.locator("main form button[type=submit]").tap()
        helper.wait_for_selector("text=已找到您的意见")
    finally:
        other.close()
    page.goto(first_link)
    assert "链接已更换" in page.inner_text("main")
    page.locator("a", has_text="用编号和手机号找回").tap()
    page.wait_for_selector("input[name=reference]")
    assert re.search(r"/opinions/find$", page.url)


def test_villager_pages_meet_the_norms_in_both_modes(app_ctx, live_server, phone, screenshot_dir,
                                                      world):
    """No sideways scroll, contrast ≥ 4.5:1, tap targets, text sizes (tests/browser/test_org.py's
    measure, at its 390×844) on every new villager page, standard and 长辈版."""
    from .test_org import check_pages, switch_mode

    page = phone.new_page()
    page.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
    page.select_option("select[name=category]", "环境卫生")
    page.fill("textarea[name=content]", "村口路灯坏了半个月，晚上回家看不见路。")
    page.fill("input[name=phone]", "13912345678")
    page.locator("main form button[type=submit]").tap()
    page.wait_for_selector("text=已收到您的意见")
    receipt = page.url.replace(live_server, "")
    opinion = db.session.scalar(select(Opinion))
    page.goto(f"{live_server}/opinions/find")
    page.fill("input[name=reference]", opinion.reference)
    page.fill("input[name=phone]", "13912345678")
    page.locator("main form button[type=submit]").tap()
    page.wait_for_selector("text=已找到您的意见")
    pages = [("home", "/"), ("villages", "/v/?q=jia"), ("village", f"/v/{world.branch.slug}/"),
             ("mine", "/opinions/mine"),
             ("replaced", receipt.split("?")[0]), ("find", "/opinions/find")]
    standard = check_pages(page, live_server, pages, screenshot_dir, "villager", care=False)
    page.goto(f"{live_server}/")
    switch_mode(page, to_care=True)
    care = check_pages(page, live_server, pages, screenshot_dir, "villager", care=True)
    assert not standard, "standard mode fails:\n" + "\n".join(standard)
    assert not care, "长辈版 fails the norms:\n" + "\n".join(care)
