"""stored figures: a closed meeting's counts and an opinion's working days to its first reply

Revision ID: 0010_stored_figures
Revises: 0009_opinion_escalated_index
Create Date: 2026-12-01 23:50:00

The town dashboard and the public figures add these up instead of joining every attendee and
counting working days per opinion. Existing rows are filled in here: meetings with plain SQL,
opinions with the app's working-day calendar (stored years, else the chinesecalendar package).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_stored_figures'
down_revision = '0009_opinion_escalated_index'
branch_labels = None
depends_on = None

MEETING_COUNTS = """
UPDATE meeting SET
  expected_count = (SELECT count(*) FROM meeting_attendee a WHERE a.meeting_id = meeting.id),
  present_count = (SELECT count(*) FROM meeting_attendee a JOIN check_in c
                   ON c.meeting_id = a.meeting_id AND c.person_id = a.person_id
                   WHERE a.meeting_id = meeting.id),
  late_count = (SELECT count(*) FROM meeting_attendee a JOIN check_in c
                ON c.meeting_id = a.meeting_id AND c.person_id = a.person_id
                WHERE a.meeting_id = meeting.id AND c.late),
  leave_count = (SELECT count(*) FROM meeting_attendee a JOIN leave_request l
                 ON l.meeting_id = a.meeting_id AND l.person_id = a.person_id
                 LEFT JOIN check_in c ON c.meeting_id = a.meeting_id AND c.person_id = a.person_id
                 WHERE a.meeting_id = meeting.id AND l.status = 'approved' AND c.id IS NULL)
WHERE status = 'closed'
"""


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('present_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('late_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('leave_count', sa.Integer(), nullable=True))
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_reply_days', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_opinion_branch')
        batch_op.create_index('ix_opinion_branch_figures', [
            'branch_id', 'received_at', 'first_replied_at', 'first_due_at', 'first_reply_days',
            'escalated_at', 'first_rating'], unique=False)
    op.execute(MEETING_COUNTS)
    _fill_reply_days(op.get_bind())


def _fill_reply_days(bind) -> None:
    rows = bind.execute(sa.text(
        "SELECT id, received_at, first_replied_at FROM opinion "
        "WHERE first_replied_at IS NOT NULL")).all()
    if not rows:
        return
    from datetime import datetime, timezone

    from partyapp import clock
    from partyapp.extensions import db

    def aware(value):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    days = [(row.id, clock.local_date(aware(row.received_at)),
             clock.local_date(aware(row.first_replied_at))) for row in rows]
    between = clock.working_days_counter(min(d[1] for d in days), max(d[2] for d in days))
    updates = [{"oid": oid, "days": between(received, replied)}
               for oid, received, replied in days]
    db.session.remove()   # the calendar was read on the app's own connection: let it go
    bind.execute(sa.text("UPDATE opinion SET first_reply_days = :days WHERE id = :oid"), updates)


def downgrade():
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): batch mode would copy the tables,
    # which the foreign keys pointing at them refuse.
    op.drop_index('ix_opinion_branch_figures', table_name='opinion')
    op.create_index('ix_opinion_branch', 'opinion', ['branch_id', 'received_at'], unique=False)
    op.execute('ALTER TABLE opinion DROP COLUMN first_reply_days')
    for column in ('leave_count', 'late_count', 'present_count', 'expected_count'):
        op.execute(f'ALTER TABLE meeting DROP COLUMN {column}')
