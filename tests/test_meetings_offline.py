"""The door without signal: check-ins queued on the recorder's phone arrive in one batch with
their nonces and the times they were made. Each nonce is stored once (a replay stores nothing
twice), codes scanned offline are verified here, lateness follows the time made (bounded by
the meeting's window), and someone already checked in elsewhere is harmless."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services
from partyapp.meetings.models import CheckIn, OfflineCheckIn

from .factories_meetings import make_meeting

START = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)


@pytest.fixture
def meeting(world, frozen):
    frozen(START + timedelta(minutes=40))      # the signal came back 40 minutes in
    return make_meeting(world.branch, starts_at=START, minutes=90, host=world.secretary,
                        recorder=world.recorder, late_after_minutes=10)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def sync(client, meeting, items, **headers):
    return client.post(f"/meetings/{meeting.id}/door/sync", json={"items": items},
                       headers=headers)


def test_a_batch_is_stored_with_the_times_it_was_made_and_a_replay_stores_nothing(
        client, login, world, meeting):
    code = services.issue_code(world.secretary, world.group_leader.id).code
    items = [
        {"nonce": "n-member-0001", "person_id": world.member.id, "made_at": ms(START + timedelta(minutes=2))},
        {"nonce": "n-code-000001", "code": f"PAM-{code}", "made_at": ms(START + timedelta(minutes=15))},
        {"nonce": "n-secretary01", "person_id": world.secretary.id, "made_at": ms(START - timedelta(minutes=5))},
    ]
    login(world.recorder)
    first = sync(client, meeting, items)
    assert first.status_code == 200
    assert {n: r["outcome"] for n, r in first.json["results"].items()} == {
        "n-member-0001": "stored", "n-code-000001": "stored", "n-secretary01": "stored"}
    rows = {c.person_id: c for c in db.session.scalars(select(CheckIn))}
    assert rows[world.member.id].at == START + timedelta(minutes=2)
    assert not rows[world.member.id].late and rows[world.group_leader.id].late
    assert rows[world.group_leader.id].method == "door_code"
    assert rows[world.member.id].recorded_by_id == world.recorder.id

    again = sync(client, meeting, items)
    assert again.status_code == 200 and again.json == first.json
    assert db.session.scalar(select(func.count(CheckIn.id))) == 3
    assert db.session.scalar(select(func.count(OfflineCheckIn.id))) == 3


def test_the_time_made_is_bounded_by_the_meeting_window(client, login, world, meeting):
    login(world.recorder)
    sync(client, meeting, [
        {"nonce": "early-000001", "person_id": world.member.id, "made_at": ms(START - timedelta(hours=5))},
        {"nonce": "future-00001", "person_id": world.secretary.id, "made_at": ms(START + timedelta(days=3))},
    ])
    rows = {c.person_id: c.at for c in db.session.scalars(select(CheckIn))}
    assert rows[world.member.id] == START - timedelta(minutes=meeting.checkin_opens_minutes)
    assert rows[world.secretary.id] == clock.now()      # never after now (nor after the end)


def test_someone_checked_in_elsewhere_a_bad_code_and_a_stranger_are_harmless(
        client, login, world, meeting):
    services.check_in(meeting, world.member.id)   # scanned the QR while the door had no signal
    first_at = db.session.scalar(select(CheckIn.at))
    login(world.recorder)
    answer = sync(client, meeting, [
        {"nonce": "dup-00000001", "person_id": world.member.id, "made_at": ms(START)},
        {"nonce": "bad-00000001", "code": "PAM-NOSUCHCODE", "made_at": ms(START)},
        {"nonce": "far-00000001", "person_id": world.other_branch_secretary.id, "made_at": ms(START)},
    ])
    outcomes = {n: r["outcome"] for n, r in answer.json["results"].items()}
    assert outcomes == {"dup-00000001": "already", "bad-00000001": "bad_code",
                        "far-00000001": "not_on_list"}
    assert "签到码无效" in answer.json["results"]["bad-00000001"]["text"]
    assert db.session.scalar(select(CheckIn.at)) == first_at
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_the_same_person_twice_in_one_batch_is_stored_once(client, login, world, meeting):
    login(world.recorder)
    answer = sync(client, meeting, [
        {"nonce": "twice-000002", "person_id": world.member.id, "made_at": ms(START + timedelta(minutes=3))},
        {"nonce": "twice-000001", "person_id": world.member.id, "made_at": ms(START + timedelta(minutes=1))},
    ])
    assert answer.json["results"]["twice-000001"]["outcome"] == "stored"
    assert answer.json["results"]["twice-000002"]["outcome"] == "already"
    assert db.session.scalar(select(CheckIn.at)) == START + timedelta(minutes=1)


@pytest.mark.parametrize("items", [
    [], [{"nonce": "short", "person_id": 1, "made_at": 1}], [{"nonce": "x" * 65, "person_id": 1, "made_at": 1}],
    [{"nonce": "okokokok", "made_at": 1}], [{"nonce": "okokokok", "person_id": "1", "made_at": "x"}],
    [{"nonce": "okokokok", "code": "A" * 41, "made_at": 1}],
    [{"nonce": f"many-{i:06d}", "person_id": 1, "made_at": 1} for i in range(301)],
])
def test_a_hostile_batch_is_refused_in_chinese(client, login, world, meeting, items):
    login(world.recorder)
    answer = sync(client, meeting, items)
    assert answer.status_code == 400 and answer.json["error"]
    assert db.session.scalar(select(func.count(OfflineCheckIn.id))) == 0


def test_logged_out_nothing_is_stored(client, world, meeting):
    items = [{"nonce": "anon-0000001", "person_id": world.member.id, "made_at": ms(START)}]
    assert sync(client, meeting, items).status_code in (302, 303)      # to log in
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_without_the_form_token_nothing_is_stored(client, login, world, meeting, csrf_enabled):
    items = [{"nonce": "csrf-0000001", "person_id": world.member.id, "made_at": ms(START)}]
    login(world.recorder)
    refused = sync(client, meeting, items)
    assert refused.status_code == 400 and not refused.is_json
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_a_member_cannot_sync_for_the_door(client, login, world, meeting):
    login(world.member)
    items = [{"nonce": "self-0000001", "person_id": world.member.id, "made_at": ms(START)}]
    assert sync(client, meeting, items).status_code == 403
