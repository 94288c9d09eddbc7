"""组织生活: the 整改清单 (rectification items and their evidence); the yearly meeting kind
组织生活会 (all members, at least once a year); the claim of the leaders' 双重组织生活 reminder

Revision ID: 0019_org_life
Revises: 0013_attendance_circles
Create Date: 2026-12-03 14:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_org_life'
down_revision = '0018_offline_checkins'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rectification_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('confirm_org_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('source_ref', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closing_note', sa.Text(), nullable=True),
        sa.Column('due_soon_reminded_at', sa.DateTime(), nullable=True),
        sa.Column('overdue_reminded_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['closed_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['confirm_org_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['owner_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rectification_item_org_id', 'rectification_item', ['org_id'])
    op.create_index('ix_rectification_item_owner_id', 'rectification_item', ['owner_id'])
    op.create_index('ix_rectification_due', 'rectification_item', ['status', 'due_on'])
    op.create_table(
        'rectification_evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('photo', sa.String(length=40), nullable=True),
        sa.Column('added_by_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['item_id'], ['rectification_item.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('photo'),
    )
    op.create_index('ix_rectification_evidence_item_id', 'rectification_evidence', ['item_id'])
    op.create_table(
        'dual_life_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id', 'year'),
    )
    _add_org_life_kind()


def _add_org_life_kind():
    """The kind row, unless a town already made one with that code; listed after the others."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM meeting_kind WHERE code = 'org_life'")).scalar():
        return
    if not bind.execute(sa.text("SELECT count(*) FROM meeting_kind")).scalar():
        return      # an empty database: the app seeds every default kind itself
    last = bind.execute(sa.text("SELECT max(sort_order) FROM meeting_kind")).scalar() or 0
    bind.execute(sa.text(
        "INSERT INTO meeting_kind (code, name, period, min_per_period, per_group, "
        "includes_villager_reps, circle, sort_order, active) VALUES ('org_life', '组织生活会', "
        "'year', 1, :no, :no, 'members', :order, :yes)"), {"no": False, "yes": True,
                                                            "order": last + 1})


def downgrade():
    op.drop_table('dual_life_reminder')
    op.execute("DELETE FROM meeting_kind WHERE code = 'org_life' AND id NOT IN "
               "(SELECT kind_id FROM meeting_kind_link)")
    op.drop_index('ix_rectification_evidence_item_id', table_name='rectification_evidence')
    op.drop_table('rectification_evidence')
    op.drop_index('ix_rectification_due', table_name='rectification_item')
    op.drop_index('ix_rectification_item_owner_id', table_name='rectification_item')
    op.drop_index('ix_rectification_item_org_id', table_name='rectification_item')
    op.drop_table('rectification_item')
