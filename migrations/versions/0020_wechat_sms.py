"""WeChat 网页授权: one openid per person (wechat_binding) and single-use OAuth states
(wechat_oauth_state)

Revision ID: 0020_wechat_sms
Revises: 0016_opinion_replaced_links
Create Date: 2026-12-04 23:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_wechat_sms'
down_revision = '0016_opinion_replaced_links'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'wechat_binding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE',
                                name=op.f('fk_wechat_binding_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_binding')),
        sa.UniqueConstraint('openid', name=op.f('uq_wechat_binding_openid')),
        sa.UniqueConstraint('person_id', name=op.f('uq_wechat_binding_person_id')),
    )
    op.create_table(
        'wechat_oauth_state',
        sa.Column('state_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_wechat_oauth_state')),
    )
    with op.batch_alter_table('wechat_oauth_state') as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_oauth_state_created_at'), ['created_at'])


def downgrade():
    with op.batch_alter_table('wechat_oauth_state') as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_oauth_state_created_at'))
    op.drop_table('wechat_oauth_state')
    op.drop_table('wechat_binding')
