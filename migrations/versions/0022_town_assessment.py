"""The town's yearly loop: 达标创优 assessments, 软弱涣散 整顿台账 and monthly progress, 挂点
links, 一月一研判 notes, 书记后备

Revision ID: 0022_town_assessment
Revises: 0020_wechat_sms
Create Date: 2026-12-04 23:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_town_assessment'
down_revision = '0021_org_life_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'yearly_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('auto_items', sa.Text(), nullable=False),
        sa.Column('manual_items', sa.Text(), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('excellent', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=True),
        sa.Column('assessed_by_id', sa.Integer(), nullable=False),
        sa.Column('assessed_at', sa.DateTime(), nullable=False),
        sa.Column('finalized_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['assessed_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id']),
        sa.ForeignKeyConstraint(['town_id'], ['organization.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('branch_id', 'year', name='uq_yearly_assessment'),
    )
    op.create_index('ix_yearly_assessment_town_id', 'yearly_assessment', ['town_id'])
    op.create_table(
        'yearly_consolidation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('problems', sa.Text(), nullable=False),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('leader_id', sa.Integer(), nullable=True),
        sa.Column('first_secretary', sa.String(length=40), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('listed_by_id', sa.Integer(), nullable=False),
        sa.Column('listed_at', sa.DateTime(), nullable=False),
        sa.Column('closing_evidence', sa.Text(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('overdue_reminded_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['closed_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['leader_id'], ['person.id']),
        sa.ForeignKeyConstraint(['listed_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['town_id'], ['organization.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_yearly_consolidation_branch_id', 'yearly_consolidation', ['branch_id'])
    op.create_index('ix_yearly_consolidation_town_id', 'yearly_consolidation', ['town_id'])
    op.create_table(
        'yearly_consolidation_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consolidation_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['person.id']),
        sa.ForeignKeyConstraint(['consolidation_id'], ['yearly_consolidation.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_yearly_consolidation_progress_consolidation_id',
                    'yearly_consolidation_progress', ['consolidation_id'])
    op.create_table(
        'yearly_post_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['town_id'], ['organization.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id', 'branch_id', name='uq_yearly_post_link'),
    )
    op.create_index('ix_yearly_post_link_person_id', 'yearly_post_link', ['person_id'])
    op.create_index('ix_yearly_post_link_town_id', 'yearly_post_link', ['town_id'])
    op.create_table(
        'yearly_judgement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('actions', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['person.id']),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('branch_id', 'month', name='uq_yearly_judgement'),
    )
    op.create_table(
        'yearly_reserve',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('recommended_by_id', sa.Integer(), nullable=False),
        sa.Column('recommended_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['recommended_by_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_yearly_reserve_branch_id', 'yearly_reserve', ['branch_id'])


def downgrade():
    op.drop_index('ix_yearly_reserve_branch_id', table_name='yearly_reserve')
    op.drop_table('yearly_reserve')
    op.drop_table('yearly_judgement')
    op.drop_index('ix_yearly_post_link_town_id', table_name='yearly_post_link')
    op.drop_index('ix_yearly_post_link_person_id', table_name='yearly_post_link')
    op.drop_table('yearly_post_link')
    op.drop_index('ix_yearly_consolidation_progress_consolidation_id',
                  table_name='yearly_consolidation_progress')
    op.drop_table('yearly_consolidation_progress')
    op.drop_index('ix_yearly_consolidation_town_id', table_name='yearly_consolidation')
    op.drop_index('ix_yearly_consolidation_branch_id', table_name='yearly_consolidation')
    op.drop_table('yearly_consolidation')
    op.drop_index('ix_yearly_assessment_town_id', table_name='yearly_assessment')
    op.drop_table('yearly_assessment')
