"""outbox: outbound messages are queued with the change and sent by the clock process

Revision ID: 0015_outbox
Revises: 0013_attendance_circles
Create Date: 2026-12-03 14:00:00

Existing rows were sent (or failed) inline: they stay as they were, status 'sent'.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_outbox'
down_revision = "0014_login_guard"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='sent',
                                      nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_try_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('org_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbound_message_org_id_organization', 'organization',
                                    ['org_id'], ['id'])
        batch_op.create_index('ix_outbound_message_due', ['status', 'next_try_at'], unique=False)
        batch_op.create_index('ix_outbound_message_org', ['org_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_message_org')
        batch_op.drop_index('ix_outbound_message_due')
        batch_op.drop_constraint('fk_outbound_message_org_id_organization', type_='foreignkey')
        batch_op.drop_column('org_id')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('next_try_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
