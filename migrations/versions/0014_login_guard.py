"""Log-in that holds: one row per log-in (login_session), shared failure counters
(login_failure), pending scans bound to a browser (pending_scan), one-time log-in links
(invitation.purpose)

Revision ID: 0014_login_guard
Revises: 0013_attendance_circles
Create Date: 2026-12-03 14:00:00

Existing log-ins (sessions and remember cookies without a log-in id) end: every member logs in
once more after the upgrade.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_login_guard'
down_revision = '0013_attendance_circles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('via', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE',
                                name=op.f('fk_login_session_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash')),
    )
    with op.batch_alter_table('login_session') as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_person_id'), ['person_id'])
    op.create_table(
        'login_failure',
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('window', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', 'window', name=op.f('pk_login_failure')),
    )
    op.create_table(
        'pending_scan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('scanned_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE',
                                name=op.f('fk_pending_scan_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['used_by_id'], ['person.id'],
                                name=op.f('fk_pending_scan_used_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_scan')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_pending_scan_token_hash')),
    )
    with op.batch_alter_table('pending_scan') as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_scan_meeting_id'), ['meeting_id'])
    with op.batch_alter_table('invitation') as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=10), nullable=False,
                                      server_default='invite'))


def downgrade():
    with op.batch_alter_table('invitation') as batch_op:
        batch_op.drop_column('purpose')
    with op.batch_alter_table('pending_scan') as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_scan_meeting_id'))
    op.drop_table('pending_scan')
    op.drop_table('login_failure')
    with op.batch_alter_table('login_session') as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_person_id'))
    op.drop_table('login_session')
