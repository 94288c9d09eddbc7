"""A villager on a phone reads a commitment's timeline and a decision's steps on the public
village page; each tab prints as exactly one A4 page whose QR leads back to the live page."""
import os
import re
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from partyapp.demo import seed_demo
from partyapp.extensions import db

from ..factories_disclosures import make_commitment
from ..test_disclosures_public import make_many_commitments, seed_private_records

pytestmark = pytest.mark.browser


def pdf_page_count(pdf: bytes) -> int:
    """Pages in a PDF: its /Type /Page objects (not the /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_villager_reads_timeline_and_steps_on_a_phone(app_ctx, live_server, phone, world,
                                                      screenshot_dir):
    seed_private_records(world)
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/v/jia1/")          # the village's service page (issue 18)
    page.locator(".tile", has_text="公开栏").tap()
    page.wait_for_url(f"{live_server}/v/jia1/commitments")
    card = page.locator("article.commitment", has_text="修建村道")
    assert card.locator(".tag").first.inner_text() == "▶ 推进中"
    assert card.get_attribute("id").startswith("c")
    timeline = card.locator(".timeline")
    assert not timeline.is_visible()
    card.locator("summary").tap()
    assert timeline.is_visible()
    assert "已开工" in timeline.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    page.screenshot(path=os.path.join(screenshot_dir, "disclosures-commitments-phone.png"),
                    full_page=True)

    page.get_by_role("link", name="决策").tap()
    page.wait_for_url(f"{live_server}/v/jia1/decisions")
    steps = page.locator("article.decision", has_text="建文化广场").locator(".steps__name")
    assert [re.sub(r"\s+", " ", s).strip() for s in steps.all_inner_texts()][2] == \
        "✓ 第3步 党员大会审议 （全体党员）"
    assert steps.count() == 6
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(screenshot_dir, "disclosures-decisions-phone.png"),
                    full_page=True)


def test_a_phone_taps_more_and_the_next_cards_appear_in_place(app_ctx, live_server, phone, world,
                                                             screenshot_dir):
    make_many_commitments(world, 25)
    page = phone.new_page()
    page.goto(f"{live_server}/v/jia1/commitments")
    cards = page.locator("article.commitment")
    assert cards.count() == 20
    more = page.locator("#more-commitments")
    more.scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(screenshot_dir, "disclosures-commitments-more-link.png"))
    page.get_by_role("link", name="显示更多承诺（还有 5 项）").tap()
    cards.nth(24).wait_for()
    assert cards.count() == 25 and "第25项承诺" in cards.nth(24).inner_text()
    assert page.url == f"{live_server}/v/jia1/commitments"        # the same page, grown
    assert page.locator("#more-commitments").count() == 0
    cards.nth(24).locator("summary").tap()                            # its history is there too
    assert "第25项的进展" in cards.nth(24).locator(".timeline").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(screenshot_dir, "disclosures-commitments-more.png"))


@pytest.mark.parametrize("tab", ["commitments", "decisions", "results"])
def test_each_tab_prints_as_one_a4_poster_with_a_working_qr(app_ctx, live_server, phone,
                                                           screenshot_dir, tab):
    ctx = seed_demo("pbkdf2:sha256:1000$x$y")   # a full village: 5 commitments, 2 decisions
    village, members = ctx.villages["donghu"], ctx.members["donghu"]
    for n in range(10):                         # and ten more 党员承诺: 15 on one poster
        make_commitment(village, members[7 + n % 8], kind="member", title=f"党员承诺事项{n + 1}",
                        target="每月为村里孤寡老人上门服务至少两次，并在公开栏登记服务记录")
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/v/donghu/{tab}")
    pdf = page.pdf(format="A4", print_background=True)
    with open(os.path.join(screenshot_dir, f"disclosures-{tab}-poster.pdf"), "wb") as out:
        out.write(pdf)
    assert pdf_page_count(pdf) == 1
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})   # A4 at 96 dpi
    page.screenshot(path=os.path.join(screenshot_dir, f"disclosures-{tab}-print.png"),
                    full_page=True)
    qr = page.locator(".poster-qr__img")
    assert qr.is_visible()
    image = Image.open(BytesIO(qr.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [f"{live_server}/v/donghu/{tab}"]
    page.emulate_media(media="screen")
    assert not qr.is_visible()   # on a phone the QR of the page you are on is no use


def test_the_pdf_page_counter_counts_pages(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<p style='page-break-after: always'>一</p><p>二</p>")
    assert pdf_page_count(page.pdf(format="A4")) == 2
    context.close()
