"""应到 circles per meeting kind, 列席 and exempted people on a meeting's list, 补记, standing
exemptions from attendance, meeting photos

Revision ID: 0013_attendance_circles
Revises: 0011_rating_indexes
Create Date: 2026-12-03 09:30:00

Existing rows: every kind gets its default circle (by code; unknown codes: all members). The
lists of meetings whose kinds now expect fewer people than all members (支部委员会,
班子联席会议, 村民代表会议, alone or together) are put right:
- people outside the circle who checked in, hosted or recorded stay on the list as 列席;
- the others outside the circle leave the list, with their open 补学 for that meeting (the
  absences the old rule invented); a 补学 already done is kept as history;
- meetings not yet held also get the circle members the old list missed;
- closed meetings' frozen counts are counted again.
The circle is taken from the roles held on the meeting's day (today for meetings to come).
"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_attendance_circles'
down_revision = '0012_secret_ballots'
branch_labels = None
depends_on = None

DEFAULT_CIRCLES = {
    "branch_assembly": "members", "branch_committee": "committee", "group_meeting": "group",
    "party_lecture": "members", "theme_day": "members", "joint_leadership": "two_committees",
    "party_mass_joint": "members_reps", "villager_reps": "villager_reps",
}
BROAD = {"members", "group", "members_reps"}    # expect every member, as the old rule did

MEETING_COUNTS = """
UPDATE meeting SET
  expected_count = (SELECT count(*) FROM meeting_attendee a WHERE a.meeting_id = meeting.id
                    AND a.part = 'expected'),
  present_count = (SELECT count(*) FROM meeting_attendee a JOIN check_in c
                   ON c.meeting_id = a.meeting_id AND c.person_id = a.person_id
                   WHERE a.meeting_id = meeting.id AND a.part = 'expected'),
  late_count = (SELECT count(*) FROM meeting_attendee a JOIN check_in c
                ON c.meeting_id = a.meeting_id AND c.person_id = a.person_id
                WHERE a.meeting_id = meeting.id AND a.part = 'expected' AND c.late),
  leave_count = (SELECT count(*) FROM meeting_attendee a JOIN leave_request l
                 ON l.meeting_id = a.meeting_id AND l.person_id = a.person_id
                 LEFT JOIN check_in c ON c.meeting_id = a.meeting_id AND c.person_id = a.person_id
                 WHERE a.meeting_id = meeting.id AND a.part = 'expected'
                 AND l.status = 'approved' AND c.id IS NULL)
WHERE status = 'closed'
"""


def upgrade():
    # Plain ADD COLUMN: batch mode would copy the tables, and copying `meeting` on SQLite
    # cascades into its lists.
    op.add_column('meeting_kind', sa.Column('circle', sa.String(length=20), nullable=False,
                                            server_default='members'))
    op.add_column('meeting_attendee', sa.Column('part', sa.String(length=10), nullable=False,
                                                server_default='expected'))
    op.add_column('meeting', sa.Column('backfilled', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_table(
        'attendance_exemption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=False),
        sa.Column('ended_early_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['approved_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('attendance_exemption', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_exemption_branch_id', ['branch_id'], unique=False)
        batch_op.create_index('ix_attendance_exemption_person_id', ['person_id'], unique=False)
    op.create_table(
        'meeting_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'))
    op.create_index('ix_meeting_photo_meeting_id', 'meeting_photo', ['meeting_id'], unique=False)
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE meeting_kind SET circle = :circle WHERE code = :code"),
                 [{"code": code, "circle": circle} for code, circle in DEFAULT_CIRCLES.items()])
    _put_lists_right(bind)
    op.execute(MEETING_COUNTS)


def _day(value) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        from partyapp import clock

        return clock.local_date(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return value


def _put_lists_right(bind) -> None:
    from partyapp import clock
    from partyapp.meetings.circles import CIRCLE_PARTS

    kinds = bind.execute(sa.text(
        "SELECT l.meeting_id, k.circle FROM meeting_kind_link l "
        "JOIN meeting_kind k ON k.id = l.kind_id")).all()
    circles_of: dict[int, set[str]] = {}
    for meeting_id, circle in kinds:
        circles_of.setdefault(meeting_id, set()).add(circle)
    narrow = [mid for mid, found in circles_of.items() if not found & BROAD]
    if not narrow:
        return
    meetings = bind.execute(sa.text(
        "SELECT m.id, m.status, m.starts_at, m.host_id, m.recorder_id, o.path FROM meeting m "
        "JOIN organization o ON o.id = m.org_id WHERE m.id IN :ids")
        .bindparams(sa.bindparam("ids", expanding=True)), {"ids": narrow}).all()
    roles = bind.execute(sa.text(
        "SELECT ms.person_id, ms.role, ms.started_on, ms.ended_on, o.path, p.party_status, "
        "p.active FROM membership ms JOIN organization o ON o.id = ms.org_id "
        "JOIN person p ON p.id = ms.person_id")).all()
    listed: dict[int, set[int]] = {}
    for mid, pid in bind.execute(sa.text(
            "SELECT meeting_id, person_id FROM meeting_attendee WHERE meeting_id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": narrow}):
        listed.setdefault(mid, set()).add(pid)
    came = {tuple(row) for row in bind.execute(sa.text(
        "SELECT meeting_id, person_id FROM check_in WHERE meeting_id IN :ids")
        .bindparams(sa.bindparam("ids", expanding=True)), {"ids": narrow})}
    now, today = datetime.now(timezone.utc), clock.today()
    observers, removed, added = [], [], []
    for meeting in meetings:
        start = meeting.starts_at if not isinstance(meeting.starts_at, str) \
            else datetime.fromisoformat(meeting.starts_at)
        start = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
        held = meeting.status == "closed" or start <= now
        day = _day(start) if held else today
        parts = [part for circle in circles_of[meeting.id] for part in CIRCLE_PARTS[circle]]
        circle = {r.person_id for r in roles
                  if r.path.startswith(meeting.path)
                  and (r.started_on is None or _day(r.started_on) <= day)
                  and (r.ended_on is None or _day(r.ended_on) > day)
                  and (held or r.active)
                  and any(r.role in part.roles and (not part.party_members_only
                                                    or r.party_status is not None)
                          for part in parts)}
        on_list = listed.get(meeting.id, set())
        named = {meeting.host_id, meeting.recorder_id}
        for pid in on_list - circle:
            if (meeting.id, pid) in came or pid in named:
                observers.append({"mid": meeting.id, "pid": pid})
            else:
                removed.append({"mid": meeting.id, "pid": pid})
        if not held and meeting.status in ("planned", "published"):
            added += [{"mid": meeting.id, "pid": pid} for pid in circle - on_list]
    if observers:
        bind.execute(sa.text("UPDATE meeting_attendee SET part = 'observer' "
                             "WHERE meeting_id = :mid AND person_id = :pid"), observers)
    if removed:
        bind.execute(sa.text("DELETE FROM meeting_attendee "
                             "WHERE meeting_id = :mid AND person_id = :pid"), removed)
        bind.execute(sa.text("DELETE FROM make_up_study WHERE meeting_id = :mid "
                             "AND person_id = :pid AND done_at IS NULL"), removed)
    if added:
        bind.execute(sa.text("INSERT INTO meeting_attendee (meeting_id, person_id, part) "
                             "VALUES (:mid, :pid, 'expected')"), added)


def downgrade():
    op.drop_index('ix_meeting_photo_meeting_id', table_name='meeting_photo')
    op.drop_table('meeting_photo')
    with op.batch_alter_table('attendance_exemption', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_exemption_person_id')
        batch_op.drop_index('ix_attendance_exemption_branch_id')
    op.drop_table('attendance_exemption')
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL). 列席 rows stay on the lists: the old
    # rule counted everyone listed.
    for table, column in (('meeting', 'backfilled'), ('meeting_attendee', 'part'),
                          ('meeting_kind', 'circle')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
