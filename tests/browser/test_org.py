"""Elder-friendly mode (长辈版) measured in a real browser at a 390×844 phone viewport, on the
main pages: a member's 首页, 我的 and 消息, the log-in page, the public village page, and a
secretary's roster pages. The numbers come from computed styles and bounding boxes:

- main text: font-size ≥ 18px in 长辈版, line-height ≥ 1.3 × font-size (both modes);
- tap targets (a, button, input, select, textarea, label.check): ≥ 60×60px in 长辈版,
  ≥ 44×44px in the standard mode. A checkbox inside a label.check is tapped through its label,
  so the label is measured. Rule for inline text links: a link that sits inside a sentence
  (display inline, its parent has other text) is exempt from the box size — as in WCAG 2.5.8 —
  but must be underlined, so it is not told apart by colour alone;
- text contrast ≥ 4.5:1, text colour against the effective background (ancestor background
  colours composited over white);
- nothing wider than the viewport (except inside a scrolling .table-wrap) and no sideways
  scrolling of the page.
"""
import os

import pytest

from partyapp.extensions import db
from partyapp.models import Notification

from ..conftest import browser_login
from ..factories import make_person

pytestmark = pytest.mark.browser

MEASURE = r"""
({tap, minFont}) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const shown = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
      ' "' + ((el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 16)) + '"';
  const rgba = text => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = el => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) layers.push(c);
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };

  // Text: every element that holds visible text of its own.
  const textElements = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (node.textContent.trim() && parent && !['SCRIPT', 'STYLE', 'OPTION'].includes(parent.tagName)
        && shown(parent)) textElements.add(parent);
  }
  for (const el of document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button')) {
    if (shown(el)) textElements.add(el);
  }
  let texts = 0;
  for (const el of textElements) {
    texts++;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (size < minFont) problems.push(`font ${size}px < ${minFont}px: ${name(el)}`);
    const line = s.lineHeight === 'normal' ? NaN : parseFloat(s.lineHeight);
    if (!(line >= 1.3 * size - 0.05)) problems.push(`line-height ${s.lineHeight} < 1.3 × ${size}px: ${name(el)}`);
    const fg = rgba(s.color), bg = background(el);
    const ratio = contrast(over(fg, bg), bg);
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} < 4.5: ${name(el)} (${s.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
  }

  // Tap targets.
  let targets = 0;
  for (const el of document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea, label.check')) {
    if (!shown(el)) continue;
    if (el.matches('input') && el.closest('label.check')) continue;   // tapped through the label
    const s = getComputedStyle(el);
    const parentText = (el.parentElement.innerText || '').trim();
    const ownText = (el.innerText || '').trim();
    if (el.matches('a') && s.display === 'inline' && parentText.length > ownText.length) {
      if (!s.textDecorationLine.includes('underline')) problems.push(`inline link not underlined: ${name(el)}`);
      continue;
    }
    targets++;
    const r = el.getBoundingClientRect();
    if (r.width < tap - 0.5 || r.height < tap - 0.5) {
      problems.push(`tap target ${r.width.toFixed(1)}×${r.height.toFixed(1)} < ${tap}×${tap}: ${name(el)}`);
    }
  }

  // Width: nothing sticks out of the viewport; tables scroll inside their wrapper.
  if (document.documentElement.scrollWidth > vw) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el) || el.closest('.table-wrap')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 0.5 || r.left < -0.5) problems.push(`wider than the viewport (${r.left.toFixed(0)}..${r.right.toFixed(0)} of ${vw}): ${name(el)}`);
  }
  return {problems, texts, targets, care: document.body.classList.contains('care'), width: vw};
}
"""


def measure(page, *, care: bool):
    result = page.evaluate(MEASURE, {"tap": 60 if care else 44, "minFont": 18 if care else 12})
    assert result["care"] is care, page.url
    assert result["width"] == 390
    assert result["texts"] >= 3 and result["targets"] >= 3, (page.url, result)
    return result["problems"]


def shoot(page, screenshot_dir, name):
    page.screenshot(path=os.path.join(screenshot_dir, f"{name}.png"), full_page=True)


def switch_mode(page, *, to_care: bool):
    button = page.locator("header .care-switch__btn")
    assert button.is_visible()
    assert button.inner_text().strip() == ("长辈版" if to_care else "标准版")
    button.click()
    page.wait_for_load_state("load")
    page.wait_for_function("want => document.body.classList.contains('care') === want", arg=to_care)


def check_pages(page, live_server, pages, screenshot_dir, prefix, *, care):
    problems = []
    for label, path in pages:
        page.goto(live_server + path)
        assert page.locator("main").is_visible(), path
        shoot(page, screenshot_dir, f"{prefix}-{label}-{'care' if care else 'standard'}")
        problems += [f"{path}: {p}" for p in measure(page, care=care)]
    return problems


def _world_extras(world):
    for i in range(3):
        db.session.add(Notification(person_id=world.member.id, title=f"支部通知{i + 1}",
                                    body="本周六上午9点在村委会开支部党员大会，请准时参加。"))
    make_person("阿依古丽", org=world.group)
    db.session.commit()


def test_member_switches_to_elder_mode_and_the_pages_meet_the_norms(
        app_ctx, live_server, phone, screenshot_dir, world):
    _world_extras(world)
    page = phone.new_page()
    browser_login(page, live_server, world.member.phone)
    labels = page.locator("nav.tabbar .tabbar__label").all_inner_texts()
    assert [label.strip() for label in labels] == ["首页", "会议签到", "意见箱", "公开", "我的3"]
    pages = [("home", "/"), ("me", "/me"), ("inbox", "/inbox/"),
             ("village", f"/v/{world.branch.slug}/commitments")]
    standard = check_pages(page, live_server, pages, screenshot_dir, "member", care=False)

    page.goto(live_server + "/")
    switch_mode(page, to_care=True)
    assert page.locator("nav.tabbar").is_visible()
    care = check_pages(page, live_server, pages, screenshot_dir, "member", care=True)

    # Logged out, the device remembers 长辈版 on the log-in page.
    page.goto(live_server + "/me")
    page.click("main form[action='/auth/logout'] button")
    page.wait_for_url("**/auth/login")
    care += check_pages(page, live_server, [("login", "/auth/login")], screenshot_dir, "anon",
                        care=True)
    switch_mode(page, to_care=False)
    standard += check_pages(page, live_server, [("login", "/auth/login")], screenshot_dir,
                            "anon", care=False)
    assert not care, "长辈版 fails the norms:\n" + "\n".join(care)
    assert not standard, "standard mode fails:\n" + "\n".join(standard)


def test_secretary_roster_pages_meet_the_norms_in_both_modes(
        app_ctx, live_server, phone, screenshot_dir, world):
    _world_extras(world)
    page = phone.new_page()
    browser_login(page, live_server, world.secretary.phone)
    branch = world.branch.id
    pages = [("roster", f"/org/{branch}/roster"), ("new", f"/org/{branch}/people/new"),
             ("edit", f"/org/{branch}/people/{world.member.id}/edit"),
             ("import", f"/org/{branch}/import"), ("audit", f"/org/{branch}/audit")]
    standard = check_pages(page, live_server, pages, screenshot_dir, "secretary", care=False)
    page.goto(live_server + pages[0][1])
    switch_mode(page, to_care=True)
    care = check_pages(page, live_server, pages, screenshot_dir, "secretary", care=True)
    # The roster really lists people in pinyin order: 阿依古丽 (a) before 普通党员 (pu).
    page.goto(live_server + pages[0][1])
    names = page.locator(".roster .list__title").all_inner_texts()
    assert names[0].startswith("阿依古丽")
    # The invitation the secretary shows on her phone: a QR big enough to scan, and the link.
    page.goto(live_server + pages[2][1])
    page.click("text=发邀请链接和二维码")
    page.wait_for_selector("img.invitation__qr")
    box = page.locator("img.invitation__qr").bounding_box()
    assert box["width"] >= 240 and box["height"] >= 240
    assert "/auth/invite/" in page.locator(".invitation__link a").inner_text()
    shoot(page, screenshot_dir, "secretary-invitation-care")
    care += [f"invitation: {p}" for p in measure(page, care=True)]
    assert not care, "长辈版 fails the norms:\n" + "\n".join(care)
    assert not standard, "standard mode fails:\n" + "\n".join(standard)


def test_town_admin_pages_meet_the_norms_in_both_modes(
        app_ctx, live_server, phone, screenshot_dir, world):
    page = phone.new_page()
    browser_login(page, live_server, world.town_admin.phone)
    town = world.town.id
    pages = [("orgs", f"/org/town/{town}/orgs"), ("people", f"/org/town/{town}/people"),
             ("person", f"/org/town/{town}/people/{world.secretary.id}"),
             ("term", f"/org/town/{town}/orgs/{world.branch.id}/term"),
             ("audit", f"/org/{town}/audit")]
    standard = check_pages(page, live_server, pages, screenshot_dir, "town", care=False)
    page.goto(live_server + pages[0][1])
    switch_mode(page, to_care=True)
    care = check_pages(page, live_server, pages, screenshot_dir, "town", care=True)
    assert not care, "长辈版 fails the norms:\n" + "\n".join(care)
    assert not standard, "standard mode fails:\n" + "\n".join(standard)
