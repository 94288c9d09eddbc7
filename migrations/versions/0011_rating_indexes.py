"""indexes for the star rating's figures: a person's meetings, an assignee's opinions

Revision ID: 0011_rating_indexes
Revises: 0010_stored_figures
Create Date: 2026-12-02 10:00:00

The branch rating page counts, for every member, the closed meetings of the year they were
expected at and (两委 members) the opinions whose first deadline fell in the year. Both are
now read through an index that starts with the person: meeting_attendee (person_id,
meeting_id) replaces the index on person_id alone (it covers the same look-ups and also carries
the meeting id), and opinion gets (assignee_id, first_due_at, first_replied_at).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_rating_indexes'
down_revision = '0010_stored_figures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_attendee', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_attendee_person_meeting', ['person_id', 'meeting_id'],
                              unique=False)
        batch_op.drop_index('ix_meeting_attendee_person_id')
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.create_index('ix_opinion_assignee_due',
                              ['assignee_id', 'first_due_at', 'first_replied_at'], unique=False)


def downgrade():
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_assignee_due')
    with op.batch_alter_table('meeting_attendee', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_attendee_person_id', ['person_id'], unique=False)
        batch_op.drop_index('ix_meeting_attendee_person_meeting')
