"""民主评议党员: the yearly review of a branch (its ballots are the ballot service's) and the
outcomes the branch confirmed and published

Revision ID: 0021_org_life_review
Revises: 0020_wechat_sms
Create Date: 2026-12-05 00:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_org_life_review'
down_revision = '0020_wechat_sms'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'orglife_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['opened_by_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('branch_id', 'year', name='uq_orglife_review'),
    )
    op.create_index('ix_orglife_review_branch_id', 'orglife_review', ['branch_id'])
    op.create_table(
        'orglife_review_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=12), nullable=False),
        sa.Column('proposed', sa.String(length=12), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['review_id'], ['orglife_review.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notice_id', 'person_id', name='uq_orglife_outcome'),
    )
    op.create_index('ix_orglife_review_outcome_review_id', 'orglife_review_outcome', ['review_id'])
    op.create_index('ix_orglife_review_outcome_notice_id', 'orglife_review_outcome', ['notice_id'])
    op.create_index('ix_orglife_review_outcome_person_id', 'orglife_review_outcome', ['person_id'])


def downgrade():
    op.drop_table('orglife_review_outcome')
    op.drop_table('orglife_review')
