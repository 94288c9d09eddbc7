"""The route × role table, extended with one more persona: a villager without an account who
holds the tracking code of the opinion they sent. Everywhere they are an anonymous visitor,
except their own opinion; the private opinion of another villager never shows."""
from flask import url_for

from partyapp.extensions import db
from partyapp.opinions.services import Submission, submit_opinion

from .access.rules import ANON
from .access.test_routes import _outcome
from .proof_support import populate_all, route_url, routes

MINE = "我的意见：村东头水渠漏水"
THEIRS = "邻居的私事：低保材料请保密"


def _villager(app, world):
    """A phone that sent MINE through the real form and keeps the tracking link."""
    phone = app.test_client()
    response = phone.post(f"/opinions/v/{world.branch.slug}/new", data={
        "category": "村务", "content": MINE, "public_allowed": "y"},
        content_type="multipart/form-data")
    assert response.status_code == 303
    return phone, response.headers["Location"].split("?")[0]


def test_villager_with_a_tracking_code_is_an_anonymous_visitor_everywhere_else(app, world):
    populate_all(world)
    neighbour, neighbour_secret = submit_opinion(world.branch, Submission(
        category="村务", content=THEIRS, name="王五", phone="13912345678",
        public_allowed=False), check_duplicates=False)
    db.session.commit()
    phone, own_track = _villager(app, world)
    assert MINE in phone.get(own_track).get_data(as_text=True)
    failures = []
    for endpoint, access in sorted(routes().items()):
        if ANON in access.skip_personas or endpoint == "static":
            continue
        url = route_url(app, endpoint, access, world)
        response = phone.open(url, method=access.method, data=access.data(world))
        outcome = _outcome(response)
        body = response.get_data().decode("utf-8", "replace")
        response.close()
        if ANON in access.allow:
            expected = {"ok", "status 400"} if access.method == "POST" else {"ok"}
        else:
            expected = {"login", "deny"}
        if outcome not in expected:
            failures.append(f"{access.method} {url}: {outcome}, expected {expected}")
        if outcome != "ok" and access.secret is not None and access.secret(world) in body:
            failures.append(f"{url}: refused but shows the data")
        if THEIRS in body and "tracked_photo" not in endpoint and endpoint != "opinions.track":
            failures.append(f"{url}: shows the neighbour's private opinion")
    assert not failures, "\n".join(failures)


def test_villager_sees_only_their_own_opinion_by_code(app, world):
    neighbour, neighbour_secret = submit_opinion(world.branch, Submission(
        category="村务", content=THEIRS, public_allowed=False), check_duplicates=False)
    db.session.commit()
    phone, own_track = _villager(app, world)
    own = phone.get(own_track).get_data(as_text=True)
    assert MINE in own and THEIRS not in own
    with app.test_request_context():
        staff_url = url_for("opinions.detail", opinion_id=neighbour.id)
        wrong_code = url_for("opinions.track", secret=neighbour_secret[:-2] + "xx")
    refused = phone.get(staff_url)
    assert refused.status_code == 302 and "/auth/login" in refused.headers["Location"]
    missed = phone.get(wrong_code)
    assert missed.status_code == 404 and THEIRS not in missed.get_data(as_text=True)
    public = phone.get(f"/v/{world.branch.slug}/opinions").get_data(as_text=True)
    assert THEIRS not in public


def test_every_denial_shows_no_data_of_any_row(app, world, client, login):
    """Stronger than each row's own `secret`: a refused page shows none of the secrets of
    any row (so rows without a secret of their own are covered too)."""
    from .factories import PERSONAS

    populate_all(world)
    table = routes()
    # Secrets that are data (names, titles, texts), not URL fragments of the page itself.
    secrets = {access.secret(world) for access in table.values() if access.secret}
    secrets = {s for s in secrets if s and not s.startswith("/")}
    assert len(secrets) >= 8
    failures, denials = [], 0
    for persona in PERSONAS:
        if persona == ANON:
            continue
        person = getattr(world, persona)
        login(person)
        for endpoint, access in sorted(table.items()):
            if persona in access.allow or persona in access.skip_personas:
                continue
            url = route_url(app, endpoint, access, world)
            response = client.open(url, method=access.method, data=access.data(world))
            body = response.get_data().decode("utf-8", "replace")
            response.close()
            if response.status_code not in (403, 404):
                continue
            denials += 1
            shown = {s for s in secrets if s in body and s != person.name}
            if shown:
                failures.append(f"{access.method} {url} as {persona}: shows {shown}")
            if endpoint in ("auth.logout", "auth.logout_all"):
                login(person)
    assert denials >= 200
    assert not failures, "\n".join(failures)
