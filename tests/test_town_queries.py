"""Every town page issues the same number of queries for 2 branches and for 20."""
import re
from datetime import datetime

import pytest

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import Role
from partyapp.town.models import SupervisoryNote

from .factories_disclosures import make_commitment
from .factories_town import held, local, make_person, make_town, opinion, small_branch

NOW = datetime(2026, 11, 20, 10, tzinfo=clock.CHINA)


def add_branches(town, admin, start: int, stop: int) -> list[int]:
    """Branches with a group, two closed meetings, opinions (one escalated with a 督办 note)
    and two flagged commitments each."""
    escalated = []
    for n in range(start, stop):
        branch, (group,), secretary, members = small_branch(town, f"v{n}", f"第{n}村")
        held(branch, local(2026, 10, 12), ("theme_day", "party_lecture"),
             [secretary, *members], [secretary])
        held(group, local(2026, 11, 4), ("group_meeting",), members, members[:1])
        opinion(branch, local(2026, 11, 2, 9), local(2026, 11, 4), by=secretary)
        late = opinion(branch, local(2026, 11, 3, 9))
        late.escalated_at = local(2026, 11, 17)
        db.session.add(SupervisoryNote(opinion_id=late.id, town_id=town.id, author_id=admin.id,
                                       text="请尽快答复"))
        make_commitment(branch, secretary, due_on=datetime(2026, 11, 1).date())
        make_commitment(branch, members[0], created_at=local(2026, 9, 1))
        escalated.append(late.id)
        db.session.commit()
    return escalated


PAGES = ("/town/", "/town/{town}/?period=2026-Q4", "/town/{town}/print?period=2026-Q4",
         "/town/{town}/report.xlsx?period=2026-Q4", "/opinions/{opinion}",
         *[f"/town/{{town}}/?period=2026-Q4&section={key}"
           for key in ("meetings", "opinions", "commitments", "stars")])


def measure(client, queries, town, opinion_id) -> dict[str, int]:
    found = {}
    for page in PAGES:
        url = page.format(town=town.id, opinion=opinion_id)
        db.session.expire_all()   # each request starts cold, as in production
        with queries() as q:
            response = client.get(url)
        assert response.status_code in (200, 302), url
        found[page] = q.count
    db.session.expire_all()
    with queries() as q:
        response = client.post(f"/town/{town.id}/opinions/{opinion_id}/note",
                               data={"text": "请三日内答复"})
    assert response.status_code == 303
    found["note"] = q.count
    return found


def test_query_count_stays_fixed_from_2_to_20_branches(app_ctx, frozen, client, login, queries):
    frozen(NOW)
    town = make_town("青石镇党委")
    admin = make_person("镇管理员", org=town, roles=(Role.TOWN_ADMIN,))
    escalated = add_branches(town, admin, 0, 2)
    login(admin)
    client.get(f"/town/{town.id}/")        # warm caches (meeting kinds, calendar)
    with_two = measure(client, queries, town, escalated[0])
    add_branches(town, admin, 2, 20)
    with_twenty = measure(client, queries, town, escalated[0])
    assert with_twenty == with_two
    assert with_two[PAGES[1]] <= 15, with_two


@pytest.mark.parametrize("branches", [2, 20])
def test_dashboard_lists_every_branch(app_ctx, frozen, client, login, branches):
    frozen(NOW)
    town = make_town("青石镇党委")
    admin = make_person("镇管理员", org=town, roles=(Role.TOWN_ADMIN,))
    add_branches(town, admin, 0, branches)
    login(admin)
    page = client.get(f"/town/{town.id}/?period=2026-Q4").get_data(as_text=True)
    assert page.count('<tr data-branch="') == branches


def test_a_tab_computes_only_its_own_figures(app_ctx, frozen, client, login, queries):
    """The 星级 and 承诺 tabs read no opinion or meeting; the print view reads them all."""
    frozen(NOW)
    town = make_town("青石镇党委")
    admin = make_person("镇管理员", org=town, roles=(Role.TOWN_ADMIN,))
    add_branches(town, admin, 0, 2)
    login(admin)
    client.get(f"/town/{town.id}/")        # warm caches (meeting kinds, calendar)
    statements = {}
    for section in ("stars", "commitments", "overview"):
        db.session.expire_all()
        with queries() as q:
            assert client.get(f"/town/{town.id}/?section={section}").status_code == 200
        statements[section] = " ".join(q.statements).lower()
    def reads(section, table):
        return re.search(rf"from {table}\b", statements[section]) is not None

    for section in ("stars", "commitments"):
        assert not reads(section, "opinion") and not reads(section, "meeting"), section
    assert reads("overview", "opinion") and reads("overview", "meeting")
