"""Check-in through the real stack: the rotating QR token, the screen, scanning (logged in or
not), double and racing scans, the window and lateness, refusals, anti-proxy flags, door mode."""
import io
import re
import threading
from datetime import datetime, timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import checkin as checkin_module
from partyapp.meetings import services
from partyapp.auth.services import start_login
from partyapp.meetings.checkin import make_token
from partyapp.meetings.models import CheckIn, LeaveRequest, MemberCode

from .factories import PASSWORD
from .factories_meetings import make_meeting

# Tuesday 24 November 2026, 09:00 in China = 01:00 UTC (a multiple of 15 s: slot boundary).
START = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)


@pytest.fixture
def meeting(world, frozen):
    frozen(START)
    return make_meeting(world.branch, starts_at=START, minutes=90, host=world.secretary,
                        recorder=world.recorder)


def scan(client, meeting, token=None):
    return client.get(f"/meetings/{meeting.id}/c/{token or make_token(meeting.id)}")


def stored(meeting) -> int:
    return db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.meeting_id == meeting.id))


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_expected_list_is_the_branch_party_members(world, meeting):
    expected = {world.member.id, world.group_leader.id, world.recorder.id, world.secretary.id}
    assert set(services.attendee_ids(meeting.id)) == expected


def test_a_token_from_40_seconds_ago_is_refused_and_the_current_one_accepted(
        client, login, world, meeting):
    old = make_token(meeting.id)
    clock.move(timedelta(seconds=40))
    login(world.member)
    refused = scan(client, meeting, old)
    assert "二维码已过期" in text(refused) and "刷新大屏" in text(refused)
    assert stored(meeting) == 0
    accepted = scan(client, meeting)
    assert "✓ 已签到" in text(accepted) and "09:00:40" in text(accepted)
    assert stored(meeting) == 1


def test_a_token_from_the_previous_slot_still_works(client, login, world, meeting):
    previous = make_token(meeting.id)
    clock.move(timedelta(seconds=20))          # next slot: the QR has just rotated
    login(world.member)
    assert "✓ 已签到" in text(scan(client, meeting, previous))


def test_a_forged_token_is_refused(client, login, world, meeting):
    login(world.member)
    slot = checkin_module.current_slot()
    response = scan(client, meeting, f"{slot}-AAAAAAAAAAAAAAAA")
    assert "二维码不对" in text(response)
    other_meeting_token = make_token(meeting.id + 1)
    assert "二维码不对" in text(scan(client, meeting, other_meeting_token))
    assert stored(meeting) == 0


def test_the_qr_png_decodes_to_the_check_in_url(client, login, world, meeting):
    login(world.secretary)
    fragment = text(client.get(f"/meetings/{meeting.id}/screen/qr"))
    src = re.search(r'src="([^"]+qr\.png[^"]+)"', fragment).group(1).replace("&amp;", "&")
    png = client.get(src)
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [code.text for code in decoded] == [
        f"http://localhost/meetings/{meeting.id}/c/{make_token(meeting.id)}"]
    login(world.member)
    path = decoded[0].text.removeprefix("http://localhost")
    assert "✓ 已签到" in text(client.get(path))


def test_checking_in_twice_stores_one_row_and_shows_the_first_time(client, login, world, meeting):
    login(world.member)
    scan(client, meeting)
    clock.move(timedelta(minutes=3))
    again = scan(client, meeting)
    assert "09:00:00" in text(again) and "之前已经签过到" in text(again)
    assert stored(meeting) == 1


def test_two_racing_requests_store_one_row(app, world, meeting, monkeypatch):
    """Both requests read "not checked in" before either inserts: the unique constraint
    decides, and the loser answers with the winner's time instead of an error."""
    barrier = threading.Barrier(2, timeout=10)
    real_state = checkin_module._person_state

    def state_then_wait(*args):
        found = real_state(*args)
        barrier.wait()
        return found

    monkeypatch.setattr(checkin_module, "_person_state", state_then_wait)
    token, member_key = make_token(meeting.id), start_login(world.member)
    results, url = [], f"/meetings/{meeting.id}/c/{token}"

    def phone():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = member_key, True
        response = client.get(url)
        results.append((response.status_code, "✓ 已签到" in text(response)))

    threads = [threading.Thread(target=phone) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [(200, True), (200, True)]
    db.session.expire_all()
    assert stored(meeting) == 1


def test_the_window_opens_30_minutes_before_and_closes_at_the_end(client, login, world, meeting):
    login(world.member)
    clock.move(timedelta(minutes=-31))
    early = scan(client, meeting)
    assert "签到还没开始" in text(early) and "前30分钟" in text(early)
    clock.move(timedelta(minutes=1))         # exactly 30 minutes before: open
    assert "✓ 已签到" in text(scan(client, meeting))
    login(world.recorder)
    clock.move(timedelta(minutes=30 + 90, seconds=1))   # one second after the end
    assert "会议已经结束" in text(scan(client, meeting))
    assert stored(meeting) == 1


def test_more_than_ten_minutes_after_the_start_is_late(client, login, world, meeting):
    clock.move(timedelta(minutes=10))
    login(world.member)
    on_time = scan(client, meeting)
    clock.move(timedelta(seconds=1))
    login(world.recorder)
    late = scan(client, meeting)
    assert "迟到" not in text(on_time) and "迟到" in text(late)
    rows = dict(db.session.execute(select(CheckIn.person_id, CheckIn.late)).all())
    assert rows == {world.member.id: False, world.recorder.id: True}


def test_someone_not_on_the_list_is_refused_with_the_reason(client, login, world, meeting):
    login(world.other_member)
    response = scan(client, meeting)
    assert response.status_code == 403
    assert "不在本次会议的应到名单中" in text(response)
    assert meeting.topic not in text(response)
    assert stored(meeting) == 0


def test_a_cancelled_meeting_refuses_check_in(client, login, world, meeting):
    services.cancel_meeting(world.secretary, meeting, "")
    login(world.member)
    assert "本次会议已取消" in text(scan(client, meeting))


def test_a_logged_out_phone_completes_the_check_in_after_logging_in(client, world, meeting):
    response = scan(client, meeting)
    assert response.status_code == 302 and "/auth/login?next=" in response.headers["Location"]
    clock.move(timedelta(minutes=9))          # the QR has rotated many times meanwhile
    logged_in = client.post(response.headers["Location"],
                            data={"phone": world.member.phone, "password": PASSWORD})
    assert logged_in.status_code == 303
    done = client.get(logged_in.headers["Location"])
    assert "✓ 已签到" in text(done) and "09:09:00" in text(done)
    assert stored(meeting) == 1


def test_a_log_in_finished_more_than_ten_minutes_after_the_scan_is_refused(client, world, meeting):
    response = scan(client, meeting)
    clock.move(timedelta(minutes=10, seconds=1))
    logged_in = client.post(response.headers["Location"],
                            data={"phone": world.member.phone, "password": PASSWORD})
    done = client.get(logged_in.headers["Location"])
    assert "扫码已超过10分钟" in text(done)
    assert stored(meeting) == 0


def test_a_member_on_leave_who_comes_is_checked_in_and_the_leave_withdrawn(
        client, login, world, meeting):
    db.session.add(LeaveRequest(meeting_id=meeting.id, person_id=world.member.id,
                                leave_type="personal", reason="走亲戚", status="approved"))
    db.session.commit()
    login(world.member)
    assert "✓ 已签到" in text(scan(client, meeting))
    db.session.expire_all()
    assert db.session.scalar(select(LeaveRequest.status)) == "withdrawn"
    counts = services.meeting_counts([meeting.id])[meeting.id]
    assert (counts.present, counts.on_leave) == (1, 0)


def test_one_phone_checking_in_two_people_flags_both(client, login, world, meeting):
    login(world.member)
    scan(client, meeting)
    login(world.group_leader)                 # same browser (same cid cookie), another person
    assert "✓ 已签到" in text(scan(client, meeting))
    flags = dict(db.session.execute(select(CheckIn.person_id, CheckIn.flag_shared_device)).all())
    assert flags == {world.member.id: True, world.group_leader.id: True}


def test_a_position_far_from_the_venue_raises_a_flag_but_keeps_the_check_in(
        client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START, lat=30.0, lng=120.0)
    login(world.member)
    page = scan(client, meeting)
    assert "data-position-form" in text(page)
    row = db.session.scalar(select(CheckIn))
    # 0.01° of latitude is about 1112 m: beyond the 500 m allowance.
    client.post(f"/meetings/checkin/{row.id}/position", data={"lat": "30.01", "lng": "120.0"})
    db.session.expire_all()
    row = db.session.scalar(select(CheckIn))
    assert (row.flag_far, row.distance_m) == (True, 1111)
    client.post(f"/meetings/checkin/{row.id}/position", data={"lat": "30.001", "lng": "120.0"})
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn.flag_far)) is False


def test_the_screen_names_answer_304_until_someone_checks_in(client, login, world, meeting):
    login(world.secretary)
    first = client.get(f"/meetings/{meeting.id}/screen/names")
    etag = first.headers["ETag"]
    assert '<span class="big-number" id="screen-count">0</span> / <span id="screen-expected">4' \
        in text(first)
    unchanged = client.get(f"/meetings/{meeting.id}/screen/names",
                           headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    services_check_in = checkin_module.check_in(meeting, world.member.id)
    assert services_check_in.ok
    changed = client.get(f"/meetings/{meeting.id}/screen/names", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "普通党员" in text(changed)
    assert 'id="screen-count">1<' in text(changed)


def test_the_screen_qr_answers_304_within_its_slot_and_changes_with_the_next(
        client, login, world, meeting):
    login(world.secretary)
    first = client.get(f"/meetings/{meeting.id}/screen/qr")
    same = client.get(f"/meetings/{meeting.id}/screen/qr",
                      headers={"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304
    clock.move(timedelta(seconds=15))
    rotated = client.get(f"/meetings/{meeting.id}/screen/qr",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert rotated.status_code == 200 and make_token(meeting.id) in text(rotated)


def test_a_member_cannot_open_the_screen(client, login, world, meeting):
    login(world.member)
    assert client.get(f"/meetings/{meeting.id}/screen").status_code == 403


def test_the_named_recorder_may_run_a_group_meeting(client, login, world, frozen):
    """A plain member named recorder of one meeting gets the screen for that meeting only."""
    frozen(START)
    meeting = make_meeting(world.group, kinds=("group_meeting",), starts_at=START,
                           recorder=world.member)
    login(world.member)
    assert client.get(f"/meetings/{meeting.id}/screen").status_code == 200


# ---- door mode --------------------------------------------------------------------------------
def test_the_recorder_checks_a_member_in_by_hand(client, login, world, meeting):
    login(world.recorder)
    response = client.post(f"/meetings/{meeting.id}/door/manual",
                           data={"person_id": world.member.id}, follow_redirects=True)
    assert "普通党员 签到成功" in text(response)
    row = db.session.scalar(select(CheckIn))
    assert (row.person_id, row.method, row.recorded_by_id) == (
        world.member.id, "manual", world.recorder.id)


def test_a_personal_code_checks_in_and_a_revoked_one_is_refused(client, login, world, meeting):
    old = services.issue_code(world.secretary, world.member.id).code
    db.session.commit()
    new = services.issue_code(world.secretary, world.member.id).code
    db.session.commit()
    login(world.recorder)
    refused = client.post(f"/meetings/{meeting.id}/door/code", data={"code": old})
    assert "无效或已作废" in text(refused)
    done = client.post(f"/meetings/{meeting.id}/door/code", data={"code": f"PAM-{new}"},
                       follow_redirects=True)
    assert "普通党员 签到成功" in text(done)
    assert db.session.scalar(select(CheckIn.method)) == "door_code"


def test_the_card_sheet_issues_codes_that_decode(client, login, world):
    login(world.secretary)
    page = text(client.get(f"/meetings/codes/{world.branch.id}"))
    codes = {c.person_id: c.code for c in db.session.scalars(select(MemberCode))}
    assert len(codes) == 5      # member, group leader, recorder, secretary, villager rep
    assert codes[world.member.id] in page
    import base64
    first_image = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(first_image))))
    assert decoded[0].text.startswith("PAM-") and decoded[0].text[4:] in codes.values()


def test_my_page_shows_my_code(client, login, world):
    services.issue_code(world.secretary, world.member.id)
    db.session.commit()
    login(world.member)
    page = text(client.get("/me"))
    assert "我的个人签到码" in page and "今年参会" in page


def test_the_names_304_also_matches_the_compressed_etag(client, login, world, meeting):
    """Behind Flask-Compress the browser holds "<etag>:gzip"; that must still get a 304."""
    login(world.secretary)
    first = client.get(f"/meetings/{meeting.id}/screen/names")
    base = first.headers["ETag"].strip('"')
    again = client.get(f"/meetings/{meeting.id}/screen/names",
                       headers={"If-None-Match": f'"{base}:gzip"'})
    assert again.status_code == 304
    other = client.get(f"/meetings/{meeting.id}/screen/names",
                       headers={"If-None-Match": f'"{base}9:gzip"'})
    assert other.status_code == 200


def test_the_recorder_sees_the_flags_on_the_meeting_page(client, login, world, meeting):
    login(world.member)
    scan(client, meeting)
    login(world.group_leader)
    scan(client, meeting)
    login(world.recorder)
    assert text(client.get(f"/meetings/{meeting.id}")).count("⚠ 同一手机多人签到") == 2
    login(world.member)
    assert "⚠ 同一手机多人签到" not in text(client.get(f"/meetings/{meeting.id}"))


def test_the_card_sheet_is_a_fixed_number_of_queries(client, login, world, queries):
    login(world.secretary)
    client.get(f"/meetings/codes/{world.branch.id}")     # issues the five cards
    db.session.expire_all()
    with queries() as first:
        client.get(f"/meetings/codes/{world.branch.id}")
    from .factories import make_person
    for n in range(6):
        make_person(f"新党员{n}", org=world.branch)
    db.session.commit()
    client.get(f"/meetings/codes/{world.branch.id}")     # issues the six new cards at once
    db.session.expire_all()
    with queries() as second:
        client.get(f"/meetings/codes/{world.branch.id}")
    assert second.count == first.count
