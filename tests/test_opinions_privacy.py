"""Names, phone numbers and ID numbers never appear on a public page."""
from flask import url_for
from sqlalchemy import select

from partyapp.extensions import db
from partyapp.opinions.models import Opinion
from partyapp.opinions.services import reply_to_opinion
from partyapp.public.services import tabs

from .access import table_core, table_opinions
from .access.rules import ANON
from .factories_opinions import make_opinion

MARKER_NAME = "隐私标记人甲乙"
MARKER_PHONE = "13987654321"
TEXT_PHONE = "13811112222"
TEXT_ID = "11010119900307771X"


def seed_private_opinions(world):
    make_opinion(world.branch, name=MARKER_NAME, phone=MARKER_PHONE, public=True,
                 content=f"请回电 {TEXT_PHONE}，身份证{TEXT_ID}，路灯的事。")
    private, secret = make_opinion(world.branch, name=MARKER_NAME, phone=MARKER_PHONE,
                                   public=False, content="不愿公开的意见：邻里纠纷。")
    reply_to_opinion(world.secretary, db.session.get(Opinion, private.id),
                     f"已联系{MARKER_NAME}，电话{MARKER_PHONE}。", public=False,
                     summary="已当面答复本人。")
    return secret


def public_urls(app, world, secret):
    with app.app_context():
        declared = list(tabs())   # the features' declared public tabs
    urls = [f"/v/{world.branch.slug}/{tab}" for tab in declared]
    with app.test_request_context():
        for table in (table_core, table_opinions):
            for endpoint, access in table.ROUTES.items():
                if ANON in access.allow and access.method == "GET" and endpoint != "static":
                    urls.append(url_for(endpoint, **access.params(world)))
    return urls + [f"/opinions/t/{secret}"]


def test_marker_names_and_numbers_never_on_public_pages(app, client, world):
    table_opinions.populate(world)          # also has a name and a phone
    secret = seed_private_opinions(world)
    urls = public_urls(app, world, secret)
    assert len(urls) >= 12
    for url in urls:
        response = client.get(url, follow_redirects=True)
        html = response.get_data().decode("utf-8", "replace")  # photos are bytes
        response.close()
        assert response.status_code == 200, url
        for marker in (MARKER_NAME, MARKER_PHONE, "张三", "13912340000", TEXT_PHONE, TEXT_ID):
            if url.endswith(secret) and marker in (MARKER_NAME, MARKER_PHONE):
                continue  # the private reply is for the submitter: checked below
            assert marker not in html, f"{marker} on {url}"


def test_private_reply_is_shown_only_by_the_tracking_link(client, world):
    secret = seed_private_opinions(world)
    public = client.get(f"/v/{world.branch.slug}/opinions").get_data(as_text=True)
    assert "已当面答复本人。" in public and MARKER_NAME not in public
    track = client.get(f"/opinions/t/{secret}").get_data(as_text=True)
    assert f"已联系{MARKER_NAME}" in track


def test_numbers_typed_in_text_are_masked_in_public_list(client, world):
    seed_private_opinions(world)
    html = client.get(f"/v/{world.branch.slug}/opinions").get_data(as_text=True)
    assert "请回电 138****2222，身份证******************，路灯的事。" in html
    assert "（提意见的群众未同意公开内容）" in html
    assert "邻里纠纷" not in html


def test_staff_see_the_submitter(client, world, login):
    seed_private_opinions(world)
    login(world.secretary)
    opinion_id = db.session.scalar(select(Opinion.id).where(Opinion.public_allowed.is_(False)))
    html = client.get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert MARKER_NAME in html and MARKER_PHONE in html


# Issue 16: the forms villagers really type, in an opinion and in a public reply.
TYPED_FORMS = ["138.0000.0010", "１３８００００００１０", "138 - 0000 - 0010", "一三八零零零零零零一零",
               "1 1 0 1 0 1 1 9 9 0 0 3 0 7 7 7 1 X", "110101 19900307 771x"]


def test_numbers_are_masked_after_nfkc_across_separators_and_in_chinese_numerals(client, world):
    made, _ = make_opinion(world.branch, public=True, content="；".join(
        f"第{n}种：{form}" for n, form in enumerate(TYPED_FORMS)))
    reply_to_opinion(world.secretary, db.session.get(Opinion, made.id),
                     "已回电１３９－１２３４－５６７８，另一号码一三九 一二三四 五六七八。", public=True)
    html = client.get(f"/v/{world.branch.slug}/opinions").get_data(as_text=True)
    for form in TYPED_FORMS + ["１３９－１２３４－５６７８", "一三九 一二三四 五六七八", "19900307"]:
        assert form not in html, form
    assert html.count("138****0010") == 4 and html.count("*" * 18) >= 2
    assert "已回电139****5678，另一号码139****5678。" in html
    assert "第0种：" in html and "第5种：" in html        # the rest of the text stays
