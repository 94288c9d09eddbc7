"""Villagers (issue 18), over HTTP: the anonymous 首页 is a service page (find your village by
name or pinyin initials, then 公开栏 / 我要提意见 / 查我的意见), `/v/` is the village list, the
log-in page links to it; 我的意见 on this device unless 不在本机保存 is ticked; the receipt says
how to keep the link in WeChat; after 找回 the old link answers 410 链接已更换 with the way on."""
from __future__ import annotations

import re
from http.cookies import SimpleCookie

from partyapp.opinions.services import DEVICE_LINKS_MAX, new_tracking_secret

from .factories_opinions import make_opinion

HTMX_LIST = {"HX-Request": "true", "HX-Target": "village-list", "HX-Trigger": "village-q"}


def submit(client, slug="jia1", **fields):
    data = {"category": "环境卫生", "content": "河边垃圾堆了一个星期没人清理。",
            "public_allowed": "y", **fields}
    return client.post(f"/opinions/v/{slug}/new", data=data, content_type="multipart/form-data")


def secret_from(response) -> str:
    return re.search(r"/opinions/t/([^?]+)", response.headers["Location"]).group(1)


def device_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("my_opinions="):
            jar.load(header)
    return jar


def text(response) -> str:
    return response.get_data(as_text=True)


# ---- find your village -----------------------------------------------------------------------
def test_anonymous_home_is_a_service_page_listing_the_villages(client, world):
    page = text(client.get("/"))
    for name, slug in (("甲一村", "jia1"), ("甲二村", "jia2"), ("乙一村", "yi1")):
        assert name in page and f'href="/v/{slug}/"' in page
    assert "找到您的村" in page and 'name="q"' in page and 'action="/v/"' in page
    assert "党员、干部登录" in page    # still there, no longer the only way on
    # The town is said beside each village (two towns here).
    assert "甲镇党委" in page and "乙镇党委" in page


def test_v_is_the_village_list_not_a_404(client, world):
    response = client.get("/v/")
    assert response.status_code == 200
    assert "甲一村" in text(response) and "乙一村" in text(response)


def test_search_by_name_and_by_pinyin_initials(client, world):
    by_name = text(client.get("/v/", query_string={"q": "甲"}))
    assert "甲一村" in by_name and "甲二村" in by_name and "乙一村" not in by_name
    by_initials = text(client.get("/v/", query_string={"q": "YYC"}))   # 乙一村
    assert "乙一村" in by_initials and "甲一村" not in by_initials
    nothing = text(client.get("/v/", query_string={"q": "不存在的村"}))
    assert "没有找到“不存在的村”" in nothing


def test_typing_in_the_search_swaps_only_the_list(client, world):
    fragment = client.get("/v/", query_string={"q": "jy"}, headers=HTMX_LIST)
    body = text(fragment)
    assert body.lstrip().startswith('<div id="village-list"') and "<html" not in body
    assert "甲一村" in body and "甲二村" not in body
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_hostile_search_input_is_escaped_and_cut(client, world):
    page = text(client.get("/v/", query_string={"q": "<script>alert(1)</script>" * 5}))
    assert "<script>alert(1)" not in page
    assert client.get("/v/", query_string={"q": "x" * 5000}).status_code == 200


def test_village_page_has_the_three_tiles_and_home_remembers_it(client, world):
    page = client.get("/v/jia1/")
    assert page.status_code == 200
    body = text(page)
    assert 'href="/v/jia1/commitments"' in body and "公开栏" in body
    assert 'href="/opinions/v/jia1/new"' in body and "我要提意见" in body
    assert 'href="/opinions/mine"' in body and "查我的意见" in body
    home = text(client.get("/"))
    assert "上次看的村" in home and "进入甲一村" in home
    assert client.get("/v/nowhere/").status_code == 404


def test_login_page_links_villagers_to_their_village(client, world):
    body = text(client.get("/auth/login"))
    assert re.search(r'群众不用登录：<a href="/v/">', body)


# ---- 我的意见 on this device ---------------------------------------------------------------
def test_opinions_sent_from_this_phone_are_listed_on_it(client, world):
    first = submit(client)
    second = submit(client, content="村口路灯坏了半个月，晚上回家看不见路。")
    cookie = device_cookie(second)["my_opinions"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/opinions"
    mine = text(client.get("/opinions/mine"))
    links = re.findall(r'href="/opinions/t/([^"]+)"', mine)
    assert links == [secret_from(second), secret_from(first)]    # newest first
    assert "甲一村" in mine and "待答复" in mine
    receipt = text(client.get(f"/opinions/t/{secret_from(second)}?new=1"))
    assert "“···”→“收藏”" in receipt and "这部手机已记住" in receipt


def test_not_on_device_keeps_nothing_on_the_phone(client, world):
    response = submit(client, not_on_device="y")
    assert response.status_code == 303 and not device_cookie(response)
    assert "/opinions/t/" not in text(client.get("/opinions/mine"))
    receipt = text(client.get(f"/opinions/t/{secret_from(response)}?new=1"))
    assert "“···”→“收藏”" in receipt and "这部手机已记住" not in receipt
    assert "这部手机上没有保存的意见" in text(client.get("/opinions/mine"))


def test_forget_one_or_all_from_this_phone(client, world, app_ctx):
    submit(client)
    submit(client, content="村口路灯坏了半个月，晚上回家看不见路。")
    mine = text(client.get("/opinions/mine"))
    references = re.findall(r'name="which" value="(\d+)"', mine)
    assert len(references) == 2
    client.post("/opinions/mine/forget", data={"which": references[0]})
    assert len(re.findall(r'href="/opinions/t/', text(client.get("/opinions/mine")))) == 1
    client.post("/opinions/mine/forget", data={"which": "all"})
    assert "这部手机上没有保存的意见" in text(client.get("/opinions/mine"))
    # Opinions themselves are untouched.
    from sqlalchemy import func, select

    from partyapp.extensions import db
    from partyapp.opinions.models import Opinion
    assert db.session.scalar(select(func.count()).select_from(Opinion)) == 2


def test_a_forged_device_cookie_shows_nothing_and_is_cut(client, world, app_ctx):
    opinion, secret = make_opinion(world.branch)
    junk = ".".join([new_tracking_secret() for _ in range(30)] + ["<x>", "a" * 200])
    client.set_cookie("my_opinions", junk, path="/opinions")
    response = client.get("/opinions/mine")
    assert response.status_code == 200 and "/opinions/t/" not in text(response)
    assert response.headers["Cache-Control"] == "private, no-store"
    # Only valid links survive; the cookie never grows past its cap.
    client.set_cookie("my_opinions", ".".join([secret] + [new_tracking_secret()
                                                          for _ in range(40)]), path="/opinions")
    response = client.get("/opinions/mine")
    assert f"/opinions/t/{secret}" in text(response)
    assert device_cookie(response)["my_opinions"].value == secret
    full = [new_tracking_secret() for _ in range(DEVICE_LINKS_MAX + 5)]
    client.set_cookie("my_opinions", ".".join(full), path="/opinions")
    response = submit(client)
    kept = device_cookie(response)["my_opinions"].value.split(".")
    assert len(kept) == DEVICE_LINKS_MAX
    assert kept[0] == secret_from(response) and kept[1:] == full[:DEVICE_LINKS_MAX - 1]


# ---- 找回: the old link says 链接已更换 -----------------------------------------------------
def test_after_find_the_old_link_says_replaced_with_the_way_on(client, world, app_ctx):
    opinion, old_secret = make_opinion(world.branch, phone="13912345678")
    found = client.post("/opinions/find", data={"reference": opinion.reference,
                                                "phone": "13912345678"})
    new_secret = secret_from(found)
    assert device_cookie(found)["my_opinions"].value == new_secret
    old = client.get(f"/opinions/t/{old_secret}")
    assert old.status_code == 410
    body = text(old)
    assert "链接已更换" in body and 'href="/opinions/find"' in body \
        and 'href="/opinions/mine"' in body
    assert opinion.content not in body and opinion.reference not in body
    # A second 找回 replaces the second link too; both old ones say so.
    again = client.post("/opinions/find", data={"reference": opinion.reference,
                                                "phone": "13912345678", "not_on_device": "y"})
    assert not device_cookie(again)
    assert client.get(f"/opinions/t/{new_secret}").status_code == 410
    assert client.get(f"/opinions/t/{old_secret}").status_code == 410
    assert client.get(f"/opinions/t/{secret_from(again)}").status_code == 200
    # An unknown link is still 页面不存在.
    assert client.get(f"/opinions/t/{new_tracking_secret()}").status_code == 404


# ---- every tap answers: what the page tells the script -------------------------------------
def test_forms_know_the_upload_limits_before_sending(client, world, app):
    page = text(client.get("/opinions/v/jia1/new"))
    assert f'data-max-request-bytes="{app.config["MAX_CONTENT_LENGTH"]}"' in page
    assert f'data-max-bytes="{5 * 1024 * 1024}"' in page and 'data-max-count="3"' in page
    assert "不在本机保存" in page


def test_error_pages_say_what_to_do_next_in_chinese(client, world, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = submit(client, content="很长的意见。" * 200)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    assert response.status_code == 413
    assert '<p class="error-page__message">上传的文件太大，请换一张较小的照片。</p>' in text(response)
