"""opinion escalated index (town dashboard: escalated opinions without a table scan)

Revision ID: 0009_opinion_escalated_index
Revises: 0008_branch_robot
Create Date: 2026-11-23 19:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_opinion_escalated_index'
down_revision = '0008_branch_robot'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.create_index('ix_opinion_escalated', ['escalated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_escalated')
