"""opinion replaced links: a tracking link replaced by 找回 answers 410 链接已更换, not 404

Revision ID: 0016_opinion_replaced_links
Revises: 0015_outbox
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_opinion_replaced_links'
down_revision = '0019_org_life'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('opinion_replaced_link',
    sa.Column('tracking_hash', sa.String(length=64), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinion.id'], name=op.f('fk_opinion_replaced_link_opinion_id_opinion')),
    sa.PrimaryKeyConstraint('tracking_hash', name=op.f('pk_opinion_replaced_link'))
    )
    with op.batch_alter_table('opinion_replaced_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_replaced_link_opinion_id'), ['opinion_id'], unique=False)


def downgrade():
    with op.batch_alter_table('opinion_replaced_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_replaced_link_opinion_id'))
    op.drop_table('opinion_replaced_link')
