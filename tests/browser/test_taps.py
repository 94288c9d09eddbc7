"""Every tap answers (issue 18), on a 360×640 and a 390×844 phone with WeChat's user agent:
a new page opens at the top (a same-page refresh keeps its place); a held (slow) request shows
the top progress bar and disables the sent button; 413 and 429 answers to a boosted form are
shown as Chinese messages in place, the typed text kept; photos too large are refused before
upload, with their size."""
from __future__ import annotations

import pytest

from partyapp.extensions import db

from ..factories import make_branch

pytestmark = pytest.mark.browser

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2154A Build/TP1A.220624.014; wv) AppleWebKit/537.36"
             " (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117"
             " MMWEBSDK/20240301 MMWEBID/1234 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64"
             " Weixin NetType/4G Language/zh_CN ABI/arm64")
PHONES = {"360x640": (360, 640), "390x844": (390, 844)}
CONTENT = "村东头的垃圾池满了三天，没有人来清运，天热了味道很大。"


@pytest.fixture(params=sorted(PHONES))
def wechat(request, browser):
    width, height = PHONES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai",
                                  user_agent=WECHAT_UA, service_workers="block")
    yield context
    context.close()


def wait_until(page, expression: str, timeout_ms: int = 10_000) -> None:
    """Poll a page expression (page.wait_for_function's polling evaluates strings in the page,
    which the site's CSP, without 'unsafe-eval', refuses)."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def scroll_y(page) -> float:
    return page.evaluate("window.scrollY")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_lowest_link_of_a_long_page_opens_at_the_top(app_ctx, live_server, wechat, world):
    for number in range(30):
        make_branch(world.town, f"xin{number:02d}", f"新{number:02d}村")
    db.session.commit()
    page = wechat.new_page()
    page.goto(f"{live_server}/v/")
    wait_until(page, "window.htmx !== undefined")
    lowest = page.locator("#village-list a.list__link").last
    lowest.scroll_into_view_if_needed()
    assert scroll_y(page) > 300
    target = lowest.get_attribute("href")
    lowest.tap()
    page.wait_for_url(f"{live_server}{target}")
    page.wait_for_selector("nav.tiles")
    wait_until(page, "window.scrollY === 0")
    assert page.locator(".tile").first.is_visible() and no_sideways_scroll(page)
    # Back in history: the list again (a full page, not a fragment).
    page.go_back()
    page.wait_for_selector("#village-list")


def test_a_same_page_refresh_keeps_its_place(app_ctx, live_server, wechat, world):
    page = wechat.new_page()
    page.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
    wait_until(page, "window.htmx !== undefined")
    button = page.locator("main form button[type=submit]")
    button.scroll_into_view_if_needed()
    before = scroll_y(page)
    assert before > 100
    button.tap()    # nothing typed: the same page comes back with its messages
    page.wait_for_selector(".field__error")
    assert page.url.endswith(f"/opinions/v/{world.branch.slug}/new")
    assert scroll_y(page) > 100


def test_a_slow_request_shows_progress_and_disables_the_button(app_ctx, live_server, wechat,
                                                               world):
    page = wechat.new_page()
    page.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
    wait_until(page, "window.htmx !== undefined")
    held = []
    page.route("**/opinions/v/*/new", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    page.select_option("select[name=category]", "环境卫生")
    page.fill("textarea[name=content]", CONTENT)
    button = page.locator("main form button[type=submit]")
    button.tap()
    # The request is out (held like a slow 2G answer): the page says so.
    wait_until(page, "document.getElementById('progress')"
                           " && document.getElementById('progress').classList.contains('is-active')")
    assert page.locator("#progress").is_visible()
    assert button.is_disabled() and button.get_attribute("aria-busy") == "true"
    assert page.locator("main form button[type=submit] .weui-primary-loading").count() == 1
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "one tap, one request"
    button.tap(force=True)           # a second tap while it is sent sends nothing
    page.wait_for_timeout(200)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector("text=已收到您的意见")
    wait_until(page, "!document.querySelector('#progress.is-active')")
    assert scroll_y(page) == 0   # the receipt opens at its top: ✓ 已收到 and the 意见编号 in view
    assert page.locator(".opinion-ref").is_visible()


def test_a_413_is_shown_in_place_and_the_text_is_kept(app_ctx, app, live_server, wechat, world):
    page = wechat.new_page()
    page.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
    wait_until(page, "window.htmx !== undefined")
    page.select_option("select[name=category]", "环境卫生")
    page.fill("textarea[name=content]", CONTENT)
    page.set_input_files("input[name=photos]", files=[
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"0" * 40_000}])
    app.config["MAX_CONTENT_LENGTH"] = 20_000    # the server's limit went down meanwhile
    try:
        page.locator("main form button[type=submit]").tap()
        page.wait_for_selector("#page-error")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    message = page.inner_text("#page-error")
    assert "文件太大" in message and "较小的照片" in message
    assert page.locator("#page-error").is_visible()
    assert page.input_value("textarea[name=content]") == CONTENT    # nothing typed is lost
    assert not page.locator("main form button[type=submit]").is_disabled()   # may try again
    assert no_sideways_scroll(page)


def test_a_photo_too_large_is_refused_before_upload_with_its_size(app_ctx, live_server, wechat,
                                                                  world):
    page = wechat.new_page()
    page.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
    wait_until(page, "window.htmx !== undefined")
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.select_option("select[name=category]", "环境卫生")
    page.fill("textarea[name=content]", CONTENT)
    page.set_input_files("input[name=photos]", files=[
        {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"0" * (6 * 1024 * 1024)}])
    page.wait_for_selector("#page-error")
    assert "6.0 MB" in page.inner_text("#page-error") and "5.0 MB" in page.inner_text("#page-error")
    page.locator("main form button[type=submit]").tap()
    page.wait_for_timeout(300)
    assert posts == [] and "big.jpg" in page.inner_text("#page-error")


def test_a_429_is_shown_as_a_message(app_ctx, live_server, wechat, world, rate_limits):
    page = wechat.new_page()
    page.goto(f"{live_server}/opinions/find")
    wait_until(page, "window.htmx !== undefined")
    for attempt in range(40):
        page.fill("input[name=reference]", f"{12345600 + attempt}")
        page.fill("input[name=phone]", "13912345678")
        with page.expect_response(lambda r: r.request.method == "POST"):
            page.locator("main form button[type=submit]").tap()
        wait_until(page, "!document.querySelector('main form button[type=submit]').disabled")
        if page.locator("#page-error").count():
            break
    message = page.inner_text("#page-error")
    assert "操作太频繁" in message and "稍等" in message
    assert page.input_value("input[name=phone]") == "13912345678"


def test_a_503_from_the_proxy_and_a_missing_page_are_said_in_chinese(app_ctx, live_server, wechat,
                                                                     world):
    page = wechat.new_page()
    page.goto(f"{live_server}/opinions/v/{world.branch.slug}/new")
    wait_until(page, "window.htmx !== undefined")
    # A reverse proxy's own answer (no error page of ours in it): the status says what to do.
    page.route("**/opinions/v/*/new", lambda route: route.fulfill(
        status=503, content_type="text/plain", body="Service Unavailable")
        if route.request.method == "POST" else route.continue_())
    page.select_option("select[name=category]", "环境卫生")
    page.fill("textarea[name=content]", CONTENT)
    page.locator("main form button[type=submit]").tap()
    page.wait_for_selector("#page-error")
    assert "网站正在维护或太忙，请过几分钟再试" in page.inner_text("#page-error")
    assert page.input_value("textarea[name=content]") == CONTENT
    # A boosted link to a page that is gone: the error page comes in, with the way home.
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/v/gone/';
        a.id = 'gone'; a.textContent = '旧链接'; document.getElementById('main').prepend(a);
        htmx.process(a); }""")
    page.locator("#gone").click()
    page.wait_for_selector(".error-page")
    assert "页面不存在" in page.inner_text("main")
    assert page.locator("main a", has_text="回到首页").is_visible()
