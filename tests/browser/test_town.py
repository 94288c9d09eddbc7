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
    context = request.getfixturevalue(viewport)
    page = context.new_page()
    browser_login(page, live_server, town.admin.phone)
    page.goto(f"{live_server}/town/{town.town.id}/?period=2026-Q4")
    assert page.locator("#formula").is_visible()
    assert page.locator("svg.town-chart").count() == 3          # town replies + 2 branches
    assert page.locator("td[data-state=missing]").count() == 2  # 西村, October
    result = page.evaluate(OVERFLOW)
    assert result["width"] == (1366 if viewport == "desktop" else 390)
    assert result["scroll"] <= result["width"], result
    assert result["wide"] == [], result
    assert result["loose"] == 0
    page.screenshot(path=os.path.join(screenshot_dir, f"town-dashboard-{viewport}.png"),
                    full_page=True)
