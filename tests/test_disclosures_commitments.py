"""承诺事项公开: commitments with a dated, audited progress timeline; 一月一督查 asks once per
commitment and month (and once after downtime); the figures other features read."""
import json
from datetime import date, datetime, time, timezone
from io import BytesIO
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from partyapp import clock
from partyapp.disclosures import commitments as service
from partyapp.disclosures.models import (Commitment, CommitmentAsk, CommitmentStatus,
                                         CommitmentUpdate)
from partyapp.disclosures.services import todo_items
from partyapp.extensions import db
from partyapp.models import AuditEntry, Notification

from .factories_disclosures import jpeg_bytes, make_commitment, make_round

UTC = timezone.utc


def china(y, m, d, hour=10):
    """A wall-clock time in China, as aware UTC."""
    return clock.local_datetime(date(y, m, d), time(hour))


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# ---- creating and updating ---------------------------------------------------------------------
def new_commitment_form(owner, kind="annual"):
    return {"owner_id": str(owner.id), "kind": kind, "title": "建设村卫生站",
            "content": "选址、施工、验收", "baseline": "村里没有卫生站",
            "target": "卫生站投入使用，每周开诊 5 天", "due_on": "2026-12-31", "decision_id": "0"}


def test_only_two_committee_members_make_annual_goals(world, client, login):
    login(world.secretary)
    refused = client.post(f"/disclosures/b/{world.branch.id}/commitments/new",
                          data=new_commitment_form(world.member))
    assert refused.status_code == 200
    assert "只能由“两委”成员承诺" in refused.get_data(as_text=True)
    assert count(Commitment) == 0
    made = client.post(f"/disclosures/b/{world.branch.id}/commitments/new",
                       data=new_commitment_form(world.member, kind="member"))
    assert made.status_code == 303
    made = client.post(f"/disclosures/b/{world.branch.id}/commitments/new",
                       data=new_commitment_form(world.secretary))
    assert made.status_code == 303
    kinds = db.session.execute(select(Commitment.owner_id, Commitment.kind)
                               .order_by(Commitment.id)).all()
    assert kinds == [(world.member.id, "member"), (world.secretary.id, "annual")]


def test_the_owner_updates_progress_and_every_status_change_is_audited(world, client, login):
    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    login(world.member)
    response = client.post(f"/disclosures/c/{commitment.id}/progress", data={
        "text": "路基完成", "percent": "40", "status": "in_progress"})
    assert response.status_code == 303
    client.post(f"/disclosures/c/{commitment.id}/progress", data={
        "text": "缺少水泥", "percent": "40", "status": "blocked"})
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert (commitment.status, commitment.percent) == ("blocked", 40)
    assert [u.text for u in commitment.updates] == ["缺少水泥", "路基完成"]
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "commitment.progress").order_by(AuditEntry.id)).all()
    details = [json.loads(e.detail) for e in entries]
    assert [(d["status_from"], d["status_to"], d["percent_to"]) for d in details] == [
        ("not_started", "in_progress", 40), ("in_progress", "blocked", 40)]
    assert {e.actor_id for e in entries} == {world.member.id}


def test_someone_else_cannot_update_a_members_commitment(world, client, login):
    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    login(world.recorder)
    response = client.post(f"/disclosures/c/{commitment.id}/progress", data={
        "text": "冒充", "percent": "90", "status": "kept"})
    assert response.status_code == 403
    assert count(CommitmentUpdate) == 0


def test_percent_out_of_range_is_refused_in_chinese(world, client, login):
    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    login(world.member)
    response = client.post(f"/disclosures/c/{commitment.id}/progress", data={
        "text": "进展", "percent": "180", "status": "in_progress"})
    assert response.status_code == 200
    assert "请填写 0 到 100 的数字" in response.get_data(as_text=True)


# ---- photos ------------------------------------------------------------------------------------
def exif_with_marker() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MARKER-CAMERA-13912345678"   # Make
    exif[0x0110] = "MARKER-MODEL"                # Model
    return exif.tobytes()


def test_a_progress_photo_loses_its_exif(app, world, client, login):
    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    original = jpeg_bytes(exif=exif_with_marker())
    assert b"MARKER-CAMERA" in original
    login(world.member)
    response = client.post(f"/disclosures/c/{commitment.id}/progress", data={
        "text": "开工", "percent": "10", "status": "in_progress",
        "photo": (BytesIO(original), "IMG_0001.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 303
    name = db.session.scalar(select(CommitmentUpdate.photo))
    stored = (Path(app.config["UPLOAD_FOLDER"]) / "disclosures" / name).read_bytes()
    assert b"MARKER" not in stored
    assert len(Image.open(BytesIO(stored)).getexif()) == 0
    served = client.get(f"/disclosures/photos/{name}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.get_data() == stored
    served.close()


def test_photos_of_the_wrong_type_or_size_are_refused(world, client, login, monkeypatch):
    from partyapp.disclosures import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 4000)   # 8 MB in production; small uploads here
    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    login(world.member)
    cases = [(jpeg_bytes(fmt="GIF"), "只能上传 JPG、PNG 或 WebP"),
             (b"<html>not a photo</html>", "照片无法识别"),
             (jpeg_bytes(size=(400, 300)) + b"0" * 4000, "照片太大")]
    for data, message in cases:
        response = client.post(f"/disclosures/c/{commitment.id}/progress", data={
            "text": "开工", "percent": "10", "status": "in_progress",
            "photo": (BytesIO(data), "x.jpg")}, content_type="multipart/form-data")
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert count(CommitmentUpdate) == 0


def test_photo_route_only_serves_stored_names(client, app_ctx):
    assert client.get("/disclosures/photos/..%2Fsecret_key").status_code == 404
    assert client.get("/disclosures/photos/" + "a" * 24 + ".jpg").status_code == 404


# ---- 一月一督查 --------------------------------------------------------------------------------
def test_monthly_ask_happens_once_per_commitment_and_month(world, frozen):
    frozen(china(2026, 9, 1))
    first = make_commitment(world.branch, world.member, title="修路")
    second = make_commitment(world.branch, world.secretary, title="建卫生站")
    make_commitment(world.branch, world.secretary, title="已完成的事", status="kept")
    db.session.commit()
    assert sorted(service.ask_for_progress()) == [first.id, second.id]
    assert service.ask_for_progress() == []
    clock.move(china(2026, 9, 20) - clock.now())
    assert service.ask_for_progress() == []
    assert count(Notification) == 2
    titles = sorted(db.session.scalars(select(Notification.title)))
    assert titles == ["请更新承诺进展：修路", "请更新承诺进展：建卫生站"]


def test_the_month_is_the_month_in_china(world, frozen):
    frozen(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))   # 00:30 on 1 October in China
    make_commitment(world.branch, world.member)
    db.session.commit()
    service.ask_for_progress()
    assert db.session.scalar(select(CommitmentAsk.month)) == date(2026, 10, 1)


def test_after_downtime_the_clock_asks_once_for_the_current_month(world, frozen):
    frozen(china(2026, 9, 1))
    make_commitment(world.branch, world.member)
    db.session.commit()
    service.ask_for_progress()
    frozen(china(2026, 12, 14))   # the clock was down in October and November
    assert len(service.ask_for_progress()) == 1
    assert service.ask_for_progress() == []
    months = db.session.scalars(select(CommitmentAsk.month).order_by(CommitmentAsk.month)).all()
    assert months == [date(2026, 9, 1), date(2026, 12, 1)]
    assert count(Notification) == 2


def test_the_job_is_registered_for_the_clock_process():
    from partyapp.disclosures.jobs import JOBS

    assert [(job.id, job.func) for job in JOBS] == [("disclosures-monthly-ask",
                                                     service.ask_for_progress)]


def test_owner_sees_the_ask_on_the_home_page_until_updating(world, frozen, client, login):
    frozen(china(2026, 11, 3))
    commitment = make_commitment(world.branch, world.member, title="修路")
    db.session.commit()
    assert todo_items(world.member) == []
    service.ask_for_progress()
    assert [i.title for i in todo_items(world.member)] == ["请更新承诺进展：修路"]
    login(world.member)
    assert "请更新承诺进展：修路" in client.get("/").get_data(as_text=True)
    service.add_progress(world.member, commitment, "已开工", 10, "in_progress")
    db.session.commit()
    assert todo_items(world.member) == []


def test_voters_see_an_open_review_round_until_they_have_rated_everything(world):
    commitment = make_commitment(world.branch, world.member)
    review = make_round(world.branch)
    db.session.commit()
    assert [i.title for i in todo_items(world.villager_rep)] == ["请参加2026年第4季度评议"]
    assert [i.title for i in todo_items(world.member)] == ["请参加2026年第4季度评议"]
    assert todo_items(world.other_member) == []
    from partyapp.disclosures.reviews import cast_votes

    cast_votes(world.villager_rep, review, {commitment.id: "good"})
    assert todo_items(world.villager_rep) == []


def test_todo_items_use_a_fixed_number_of_queries(world, queries):
    for n in range(6):
        make_commitment(world.branch, world.member, title=f"承诺{n}")
    make_round(world.branch)
    db.session.commit()
    from partyapp import authz

    authz.active_memberships(world.member)   # loaded once per request anyway
    with queries() as q:
        todo_items(world.member)
    assert q.count == 3      # progress due, open review rounds, the rounds the member voted in


# ---- stale mark, kept counts, alerts -------------------------------------------------------------
def test_public_page_marks_commitments_without_an_update_for_over_a_month(world, frozen, client):
    frozen(china(2026, 11, 3))
    make_commitment(world.branch, world.member, title="久未更新", created_at=china(2026, 8, 1),
                    progress_at=china(2026, 10, 2), status="in_progress")
    make_commitment(world.branch, world.member, title="刚更新过", created_at=china(2026, 8, 1),
                    progress_at=china(2026, 10, 4), status="in_progress")
    make_commitment(world.branch, world.member, title="已兑现的", created_at=china(2026, 1, 1),
                    status="kept")
    db.session.commit()
    page = client.get("/v/jia1/commitments").get_data(as_text=True)
    cards = page.split('<article class="card commitment"')[1:]   # the screen cards
    marked = [card[card.index("<h3"):card.index("</h3>")] for card in cards
              if "超过一个月未更新" in card]
    assert marked == ['<h3 class="commitment__title">久未更新']


def test_commitments_kept_counts_per_person_in_one_query(world, queries):
    a, b, c = world.member, world.secretary, world.recorder
    for status in ("kept", "kept", "in_progress"):
        make_commitment(world.branch, a, status=status, due_on=date(2026, 6, 30))
    make_commitment(world.branch, a, status="kept", due_on=date(2027, 3, 1))
    make_commitment(world.branch, b, status="partly_kept", due_on=date(2026, 12, 31))
    db.session.commit()
    ids = [a.id, b.id, c.id]
    with queries() as q:
        kept = service.commitments_kept(ids, 2026)
    assert q.count == 1
    assert {pid: (k.due, k.kept) for pid, k in kept.items()} == {
        a.id: (3, 2), b.id: (1, 0), c.id: (0, 0)}


def test_commitment_alerts_list_overdue_and_silent_ones_in_one_query(world, frozen, queries):
    frozen(china(2026, 11, 3))
    overdue = make_commitment(world.branch, world.member, title="逾期", due_on=date(2026, 10, 31),
                              status="in_progress", progress_at=china(2026, 10, 20))
    silent = make_commitment(world.branch, world.secretary, title="沉默", due_on=date(2026, 12, 31),
                             status="in_progress", created_at=china(2026, 8, 1),
                             progress_at=china(2026, 9, 1))
    make_commitment(world.branch, world.member, title="正常", due_on=date(2026, 12, 31),
                    progress_at=china(2026, 10, 30))
    make_commitment(world.branch, world.member, title="逾期但已兑现", due_on=date(2026, 10, 1),
                    status="kept")
    make_commitment(world.other_branch, world.other_member, title="别村逾期",
                    due_on=date(2026, 10, 1))
    db.session.commit()
    branch_ids = [world.branch.id]
    with queries() as q:
        alerts = service.commitment_alerts(branch_ids)
    assert q.count == 1
    assert [(a.commitment_id, a.reasons) for a in alerts] == [
        (overdue.id, ["已逾期"]), (silent.id, ["超过一个月未更新"])]
    assert alerts[1].owner_name == "书记甲"


# ---- 一年一考核, 三年一评定 --------------------------------------------------------------------------
def test_annual_assessment_and_term_verdict_are_recorded_and_published(world, client, login):
    commitment = make_commitment(world.branch, world.secretary, title="村道硬化",
                                 status=CommitmentStatus.KEPT, percent=100)
    db.session.commit()
    login(world.town_admin)   # the secretary's own commitment: the town judges it
    for kind, verdict, reasons in (("annual", "kept", "年内完成 2.3 公里"),
                                   ("term", "partly", "排水沟未完成")):
        response = client.post(f"/disclosures/c/{commitment.id}/assessment", data={
            "kind": kind, "period": "2026", "verdict": verdict, "reasons": reasons})
        assert response.status_code == 303
    again = client.post(f"/disclosures/c/{commitment.id}/assessment", data={
        "kind": "annual", "period": "2026", "verdict": "not_kept", "reasons": "改判"})
    assert "2026年的年度考核已经记录过了" in again.get_data(as_text=True)
    public = client.get("/v/jia1/results").get_data(as_text=True)
    assert "2026年年度考核：已兑现" in public and "年内完成 2.3 公里" in public
    assert "2026年任期评定：部分兑现" in public and "排水沟未完成" in public
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == "commitment")).all()
    assert sorted(actions) == ["commitment.assess.annual", "commitment.assess.term"]


def test_a_member_makes_his_own_party_member_pledge_only(world, client, login):
    login(world.member)
    form = client.get(f"/disclosures/b/{world.branch.id}/commitments/new").get_data(as_text=True)
    assert "普通党员" in form and "书记甲" not in form and "年度目标" not in form
    assert f"/disclosures/b/{world.branch.id}/commitments/new" in client.get(
        "/disclosures/").get_data(as_text=True)
    refused = client.post(f"/disclosures/b/{world.branch.id}/commitments/new",
                          data=new_commitment_form(world.secretary, kind="member"))
    assert refused.status_code == 200 and count(Commitment) == 0
    made = client.post(f"/disclosures/b/{world.branch.id}/commitments/new",
                       data=new_commitment_form(world.member, kind="member"))
    assert made.status_code == 303
    assert db.session.execute(select(Commitment.owner_id, Commitment.kind)).all() == [
        (world.member.id, "member")]


def test_a_villager_rep_who_is_not_a_member_makes_no_commitments(world, client, login):
    login(world.villager_rep)
    assert client.get(f"/disclosures/b/{world.branch.id}/commitments/new").status_code == 403


def test_a_second_clock_claiming_the_same_month_at_the_same_moment_acts_once(app, world, frozen):
    """Clock A has claimed this month's asks but not committed yet; clock B runs meanwhile.
    B waits for A's write, then finds nothing left to claim (or hits the unique constraint)."""
    import threading

    frozen(china(2026, 11, 3))
    first = make_commitment(world.branch, world.member)
    second = make_commitment(world.branch, world.secretary)
    db.session.commit()
    month = date(2026, 11, 1)
    rows = [{"commitment_id": cid, "month": month, "asked_at": clock.now()}
            for cid in (first.id, second.id)]
    clock_b_claimed = []

    def clock_b():
        with app.app_context():
            clock_b_claimed.extend(service.ask_for_progress())
            db.session.remove()

    with db.engine.connect() as clock_a:
        transaction = clock_a.begin()
        clock_a.execute(CommitmentAsk.__table__.insert(), rows)
        thread = threading.Thread(target=clock_b)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "clock B should wait for clock A's claim"
        transaction.commit()
    thread.join(timeout=10)
    assert clock_b_claimed == []
    assert count(CommitmentAsk) == 2
    assert count(Notification) == 0
