"""The 长辈版 (MIIT 2021 适老化) and WCAG norms, measured on every row of bench/pages.py PAGES, as
the row's role, at 360×640, in the normal mode and in 长辈版. One page.evaluate per page
(tests/browser/norms.js) gives the smallest font, the smallest line-height ratio, the smallest
tap target (buttons, fields, list rows, summary, tab items, label+control; inline links in
running text are exempt), the worst text contrast (text colour over the composited ancestor
backgrounds) and the sideways overflow; it also lists browser-default controls (checkbox,
radio, file input shown as the browser draws them, date/time without a label).

Norms — normal: targets ≥ 44 px, contrast ≥ 4.5:1, text ≥ 12 px; 长辈版: text ≥ 18 px, line
height ≥ 1.3, targets ≥ 60×60 px, contrast ≥ 7:1 (the README's 高对比). Both: no sideways scroll.
The table of worst figures is printed (run with -s to see it)."""
from __future__ import annotations

import pathlib
import sys

import pytest
from flask import url_for


pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SCRIPT = (pathlib.Path(__file__).parent / "norms.js").read_text(encoding="utf-8")
SMALL_PHONE = dict(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                   has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
NORMS = {False: {"font": 12, "lh": 1.0, "target": 44, "contrast": 4.5},
         True: {"font": 18, "lh": 1.3, "target": 60, "contrast": 7.0}}


def failures(figures: dict, elder: bool) -> list[str]:
    norm, out = NORMS[elder], []
    if figures["font"][0] < norm["font"]:
        out.append(f"font {figures['font'][0]}px < {norm['font']} at {figures['font'][1]}"
                   + (f"; also {figures['smallText']}" if elder else ""))
    if figures["lh"][0] < norm["lh"]:
        out.append(f"line height {figures['lh'][0]} < {norm['lh']} at {figures['lh'][1]}")
    if figures["target"][0] is not None and figures["target"][0] < norm["target"] - 0.5:
        out.append(f"targets < {norm['target']}px: {figures['smallTargets']}")
    if figures["contrast"][0] < norm["contrast"]:
        worst = [c for c in figures["lowContrast"] if c[0] < norm["contrast"]]
        out.append(f"contrast < {norm['contrast']}: {worst}")
    if figures["overflow"] > 0:
        out.append(f"sideways overflow {figures['overflow']}px")
    if figures["unstyled"]:
        out.append(f"browser-default controls: {figures['unstyled']}")
    return out


def test_every_page_meets_the_norms_in_both_modes(app, app_ctx, live_server, browser):
    from bench.pages import DOWNLOADS, PAGES, auto_pages, context
    from partyapp.demo import DEMO_PASSWORD, seed_demo
    from werkzeug.security import generate_password_hash

    seed_demo(generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000"))
    ctx = context(app)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    rows = [row for row in PAGES + auto_pages(app) if row[1] in endpoints]
    with app.test_request_context():
        paths = [(label, url_for(endpoint, **params(ctx)), phone)
                 for label, endpoint, phone, params in rows]
    paths = [row for row in paths if not row[1].endswith(DOWNLOADS)]
    host = live_server.split("//")[1].split(":")[0]
    contexts = {}

    def page_for(phone, elder):
        key = (phone, elder)
        if key not in contexts:
            context_ = browser.new_context(**SMALL_PHONE)
            context_.add_cookies([{"name": "care", "value": "1" if elder else "0",
                                   "domain": host, "path": "/"}])
            page = context_.new_page()
            if phone:
                page.goto(f"{live_server}/auth/login")
                page.fill("input[name=phone]", phone)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("main button[type=submit]")
                page.wait_for_url(f"{live_server}/")
            contexts[key] = (context_, page)
        return contexts[key][1]

    table, problems = [], []
    try:
        for elder in (False, True):
            for label, path, phone in paths:
                page = page_for(phone, elder)
                response = page.goto(f"{live_server}{path}")
                assert response.status == 200, (label, path, response.status)
                figures = page.evaluate(SCRIPT, NORMS[elder]["target"])
                table.append((label, "长辈版" if elder else "标准版", figures))
                problems += [f"{label} ({'长辈版' if elder else '标准版'}) {path}: {p}"
                             for p in failures(figures, elder)]
    finally:
        for context_, _ in contexts.values():
            context_.close()
    print(f"\n{'page':32} {'mode':6} {'font':>5} {'lh':>5} {'target':>7} {'contrast':>8} {'overflow':>8}")
    for label, mode, f in table:
        print(f"{label:32} {mode:6} {f['font'][0]:>5} {f['lh'][0]:>5} {str(f['target'][0]):>7} "
              f"{f['contrast'][0]:>8} {f['overflow']:>8}")
    assert len(table) >= 2 * 40
    assert not problems, "\n".join(problems)
