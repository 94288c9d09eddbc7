"""The town admin opens the dashboard on a desktop (1366×900) and a phone (390×844):
nothing is wider than the viewport (wide tables scroll inside .table-wrap), the charts are
drawn, and a screenshot of each is kept."""
import os

import pytest

from ..conftest import browser_login
from ..test_town import town  # noqa: F401  (the seeded town of the figure tests)

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const wrap = el.closest('.table-wrap');
    if (wrap && wrap !== el) continue;            // inside a scrolling box: allowed
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)) {
      wide.push(el.tagName + ' ' + (el.getAttribute('class') || '') + ' ' + Math.round(box.right));
    }
  }
  const loose = [...document.querySelectorAll('table')].filter(t => !t.closest('.table-wrap'));
  return {width, scroll: document.documentElement.scrollWidth, wide, loose: loose.length};
}"""


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_dashboard_fits_the_viewport(town, live_server, request, screenshot_dir,  # noqa: F811
                                     viewport):
    """Each tab, reached by tapping it, fits the screen; the charts of its part are drawn."""
    context = request.getfixturevalue(viewport)
    page = context.new_page()
    browser_login(page, live_server, town.admin.phone)
    page.goto(f"{live_server}/town/{town.town.id}/?period=2026-Q4")
    assert page.locator("#formula").is_visible()
    expected = {"总览": ("#score-table", 0), "开会": ("td[data-state=missing]", 2),
                "意见": ("#opinion-table", 1), "承诺": ("#commitment-table", 0),
                "星级": ("#stars-table", 0)}
    for label, (part, charts) in expected.items():
        page.locator(".tabs__item", has_text=label).click()
        page.wait_for_selector(f'.tabs__item.is-current:has-text("{label}")')
        assert page.locator(part).first.is_visible(), label
        # 开会: a chart per branch and 西村's missing October cell; 意见: the town's reply chart
        assert page.locator("svg.town-chart").count() == charts, label
        if label == "开会":
            assert page.locator("td[data-state=missing]").count() == 2  # 西村, October
        assert "period=2026-Q4" in page.url, label         # the quarter stays chosen
        result = page.evaluate(OVERFLOW)
        assert result["width"] == (1366 if viewport == "desktop" else 390)
        assert result["scroll"] <= result["width"], (label, result)
        assert result["wide"] == [], (label, result)
        assert result["loose"] == 0, label
        page.screenshot(path=os.path.join(
            screenshot_dir, f"town-dashboard-{viewport}-{label}.png"), full_page=True)
