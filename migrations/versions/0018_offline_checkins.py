"""Check-ins made at the door without signal: one row per phone nonce (unique), so a replayed
sync stores nothing twice

Revision ID: 0018_offline_checkins
Revises: 0017_terms_dues_training
Create Date: 2026-12-03 14:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_offline_checkins'
down_revision = '0017_terms_dues_training'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'offline_check_in',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(length=40), nullable=True),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('check_in_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['check_in_id'], ['check_in.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('nonce'),
    )
    op.create_index('ix_offline_check_in_meeting_id', 'offline_check_in', ['meeting_id'])


def downgrade():
    op.drop_index('ix_offline_check_in_meeting_id', table_name='offline_check_in')
    op.drop_table('offline_check_in')
