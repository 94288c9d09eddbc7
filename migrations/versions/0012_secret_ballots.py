"""secret ballots and one 公示 service: existing rounds tallied, per-row grades removed; the star
rating's publications and objections moved to the 公示 service's tables

Revision ID: 0012_secret_ballots
Revises: 0011_rating_indexes
Create Date: 2026-12-03 09:00:00

Upgrade: creates the ballot tables (ballot_round, ballot_sealed, ballot_voter, ballot_result;
on SQLite without rowid), then for every 满意度测评 round (rating_round) and every 一季一评议
round (review_round):
- a ballot round keyed (kind, branch, year, "Q<quarter>"),
- its grades counted into ballot_result (per item and grade), its voters into ballot_voter in
  voter-id order, the number of ballots on closed rounds;
- the per-voter audit lines (rating.ballot_cast, review.vote — actor and time in voting order)
  replaced by one line per round saying how many ballots were carried over.
An open round keeps its counts so far in ballot_result (the pages show results only once it is
closed; closing adds the new ballots); its key is made at its first new ballot.
Then rating_grade, rating_ballot_cast and review_vote are dropped and the storage rewritten
(SQLite: VACUUM and an emptied WAL; PostgreSQL: VACUUM FULL of the tables written here).

公示: notice and notice_objection take over rating_publication and rating_objection (same ids;
subject "stars"); rating_published_result now refers to notice. rating_outcome holds the
outcomes of a satisfaction round the branch committee confirmed and published.

Downgrade: moves the "stars" notices back (notices of other subjects, which the old version has
no place for, are dropped with the published outcomes of satisfaction rounds), and rebuilds
the old tables from the counts — rating_grade rows (random ids, shuffled)
and rating_ballot_cast from the voters. review_vote needs a voter on every row; the real pairing
no longer exists anywhere, so each count is given to the round's voters in voter-id order (the
old pages only ever showed totals). Refused while sealed ballots of an open round exist: close
the round first (their key is not the migration's to use).
"""
import random
import secrets
from collections import defaultdict
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_secret_ballots'
down_revision = '0011_rating_indexes'
branch_labels = None
depends_on = None

OLD_VOTE_ACTIONS = {"satisfaction": "rating.ballot_cast", "review": "review.vote"}


def upgrade():
    _create_ballot_tables()
    bind = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    _carry_over(bind, "satisfaction", "rating_round", "rating_grade", "ratee_id", "grade",
                "rating_ballot_cast", "rater_id", now)
    _carry_over(bind, "review", "review_round", "review_vote", "commitment_id", "rating",
                "review_vote", "voter_id", now)
    _drop_old_tables()
    _move_publications_to_notices(bind)
    _create_outcome_table()
    _rewrite_storage(bind)


def _create_outcome_table():
    op.create_table('rating_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=10), nullable=False),
        sa.Column('proposed', sa.String(length=10), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id'],
                                name=op.f('fk_rating_outcome_confirmed_by_id_person')),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id'],
                                name=op.f('fk_rating_outcome_notice_id_notice')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_rating_outcome_person_id_person')),
        sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'],
                                name=op.f('fk_rating_outcome_round_id_rating_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_outcome')),
        sa.UniqueConstraint('notice_id', 'person_id', name='uq_rating_outcome'))
    with op.batch_alter_table('rating_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_outcome_person_id'), ['person_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_rating_outcome_round_id'), ['round_id'], unique=False)


def _create_notice_tables():
    op.create_table('notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('notice_days', sa.Integer(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id'],
                                name=op.f('fk_notice_branch_id_organization')),
        sa.ForeignKeyConstraint(['published_by_id'], ['person.id'],
                                name=op.f('fk_notice_published_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')))
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_branch_id'), ['branch_id'], unique=False)
    op.create_table('notice_objection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('lodged_at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['person.id'],
                                name=op.f('fk_notice_objection_answered_by_id_person')),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id'],
                                name=op.f('fk_notice_objection_notice_id_notice')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_notice_objection_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_objection')))
    with op.batch_alter_table('notice_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_objection_notice_id'), ['notice_id'],
                              unique=False)


def _move_publications_to_notices(bind):
    _create_notice_tables()
    bind.execute(sa.text(
        "INSERT INTO notice (id, branch_id, year, subject, title, published_on, notice_days, "
        "ends_on, published_at, published_by_id) SELECT id, branch_id, year, 'stars', "
        "CAST(year AS VARCHAR(4)) || '年评星结果公示', published_on, notice_days, ends_on, "
        "published_at, published_by_id FROM rating_publication"))
    bind.execute(sa.text(
        "INSERT INTO notice_objection (id, notice_id, person_id, reason, lodged_at, answer, "
        "answered_at, answered_by_id) SELECT id, publication_id, person_id, reason, lodged_at, "
        "answer, answered_at, answered_by_id FROM rating_objection"))
    _point_results_at('notice', 'rating_publication')
    with op.batch_alter_table('rating_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_objection_publication_id'))
    op.drop_table('rating_objection')
    with op.batch_alter_table('rating_publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_publication_branch_id'))
    op.drop_table('rating_publication')
    _restart_ids(bind, ('notice', 'notice_objection'))


def _point_results_at(new_table, old_table):
    with op.batch_alter_table('rating_published_result', schema=None) as batch_op:
        batch_op.drop_constraint(
            f'fk_rating_published_result_publication_id_{old_table}', type_='foreignkey')
        batch_op.create_foreign_key(
            batch_op.f(f'fk_rating_published_result_publication_id_{new_table}'), new_table,
            ['publication_id'], ['id'])


def _restart_ids(bind, tables):
    """Rows copied with their ids: PostgreSQL's sequences start after them."""
    if bind.dialect.name != "postgresql":
        return
    for table in tables:
        bind.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"))


def _create_ballot_tables():
    op.create_table('ballot_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('ballots', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id'],
                                name=op.f('fk_ballot_round_branch_id_organization')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_round')),
        sa.UniqueConstraint('kind', 'branch_id', 'year', 'subject', name='uq_ballot_round'))
    with op.batch_alter_table('ballot_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_round_branch_id'), ['branch_id'], unique=False)
    op.create_table('ballot_sealed',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['ballot_round.id'],
                                name=op.f('fk_ballot_sealed_round_id_ballot_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_sealed')),
        sqlite_with_rowid=False)
    with op.batch_alter_table('ballot_sealed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_sealed_round_id'), ['round_id'], unique=False)
    op.create_table('ballot_voter',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('voter_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['ballot_round.id'],
                                name=op.f('fk_ballot_voter_round_id_ballot_round')),
        sa.ForeignKeyConstraint(['voter_id'], ['person.id'],
                                name=op.f('fk_ballot_voter_voter_id_person')),
        sa.PrimaryKeyConstraint('round_id', 'voter_id', name=op.f('pk_ballot_voter')),
        sqlite_with_rowid=False)
    op.create_table('ballot_result',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=16), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['ballot_round.id'],
                                name=op.f('fk_ballot_result_round_id_ballot_round')),
        sa.PrimaryKeyConstraint('round_id', 'item_id', 'grade', name=op.f('pk_ballot_result')),
        sqlite_with_rowid=False)


def _carry_over(bind, kind, round_table, grade_table, item_col, grade_col, voter_table,
                voter_col, now):
    """One feature's rounds into ballot rounds: counts, voters, one audit line per round."""
    rounds = bind.execute(sa.text(
        f"SELECT id, branch_id, year, quarter, opened_at, closed_at FROM {round_table} "
        "ORDER BY id")).all()
    counts = defaultdict(dict)
    for round_id, item, grade, n in bind.execute(sa.text(
            f"SELECT round_id, {item_col}, {grade_col}, COUNT(*) FROM {grade_table} "
            f"GROUP BY round_id, {item_col}, {grade_col}")):
        counts[round_id][(item, grade)] = n
    voters = defaultdict(set)
    for round_id, voter in bind.execute(sa.text(
            f"SELECT DISTINCT round_id, {voter_col} FROM {voter_table}")):
        voters[round_id].add(voter)
    for old_id, branch_id, year, quarter, opened_at, closed_at in rounds:
        cast = len(voters[old_id])
        new_id = bind.execute(sa.text(
            "INSERT INTO ballot_round (kind, branch_id, year, subject, opened_at, closed_at, "
            "ballots) VALUES (:kind, :branch, :year, :subject, :opened, :closed, :ballots) "
            "RETURNING id"), dict(kind=kind, branch=branch_id, year=year, subject=f"Q{quarter}",
                                  opened=opened_at, closed=closed_at,
                                  ballots=cast if closed_at is not None else None)).scalar_one()
        rows = [dict(r=new_id, i=item, g=grade, n=n)
                for (item, grade), n in sorted(counts[old_id].items())]
        if rows:
            bind.execute(sa.text("INSERT INTO ballot_result (round_id, item_id, grade, count) "
                                 "VALUES (:r, :i, :g, :n)"), rows)
        if voters[old_id]:
            bind.execute(sa.text("INSERT INTO ballot_voter (round_id, voter_id) VALUES (:r, :v)"),
                         [dict(r=new_id, v=v) for v in sorted(voters[old_id])])
        _replace_vote_audit(bind, kind, round_table, old_id, new_id, branch_id, cast, now)


def _replace_vote_audit(bind, kind, round_table, old_id, new_id, branch_id, cast, now):
    entity = "rating_round" if round_table == "rating_round" else "review_round"
    bind.execute(sa.text("DELETE FROM audit_entry WHERE action = :action AND entity = :entity "
                         "AND entity_id = :id"),
                 dict(action=OLD_VOTE_ACTIONS[kind], entity=entity, id=old_id))
    if cast:
        bind.execute(sa.text(
            "INSERT INTO audit_entry (at, actor_id, org_id, action, entity, entity_id, detail) "
            "VALUES (:at, NULL, :org, 'ballot.carried_over', 'ballot_round', :id, :detail)"),
            dict(at=now, org=branch_id, id=new_id, detail=f'{{"ballots": {cast}}}'))


def _drop_old_tables():
    with op.batch_alter_table('rating_grade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_grade_round_id'))
    op.drop_table('rating_grade')
    op.drop_table('rating_ballot_cast')
    with op.batch_alter_table('review_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_vote_round_id'))
        batch_op.drop_index(batch_op.f('ix_review_vote_commitment_id'))
    op.drop_table('review_vote')


def _rewrite_storage(bind):
    """The dropped tables' pages (SQLite) or files (PostgreSQL) go; outside the transaction."""
    with op.get_context().autocommit_block():
        if bind.dialect.name == "sqlite":
            bind.exec_driver_sql("VACUUM")
            bind.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            for table in ("ballot_result", "ballot_voter", "audit_entry"):
                bind.exec_driver_sql(f"VACUUM FULL {table}")


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM ballot_sealed")).scalar_one():
        raise RuntimeError("sealed ballots of an open round exist: close the round (which counts "
                           "them) before downgrading")
    _move_notices_back(bind)
    _create_old_tables()
    _restore(bind, "satisfaction", "rating_round")
    _restore(bind, "review", "review_round")
    op.drop_table('ballot_result')
    op.drop_table('ballot_voter')
    with op.batch_alter_table('ballot_sealed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_sealed_round_id'))
    op.drop_table('ballot_sealed')
    with op.batch_alter_table('ballot_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_round_branch_id'))
    op.drop_table('ballot_round')


def _move_notices_back(bind):
    op.create_table('rating_publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('notice_days', sa.Integer(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['organization.id'],
                                name=op.f('fk_rating_publication_branch_id_organization')),
        sa.ForeignKeyConstraint(['published_by_id'], ['person.id'],
                                name=op.f('fk_rating_publication_published_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_publication')))
    with op.batch_alter_table('rating_publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_publication_branch_id'), ['branch_id'],
                              unique=False)
    op.create_table('rating_objection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('lodged_at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['person.id'],
                                name=op.f('fk_rating_objection_answered_by_id_person')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_rating_objection_person_id_person')),
        sa.ForeignKeyConstraint(['publication_id'], ['rating_publication.id'],
                                name=op.f('fk_rating_objection_publication_id_rating_publication')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_objection')))
    with op.batch_alter_table('rating_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_objection_publication_id'),
                              ['publication_id'], unique=False)
    bind.execute(sa.text(
        "INSERT INTO rating_publication (id, branch_id, year, published_on, notice_days, ends_on, "
        "published_at, published_by_id) SELECT id, branch_id, year, published_on, notice_days, "
        "ends_on, published_at, published_by_id FROM notice WHERE subject = 'stars'"))
    bind.execute(sa.text(
        "INSERT INTO rating_objection (id, publication_id, person_id, reason, lodged_at, answer, "
        "answered_at, answered_by_id) SELECT o.id, o.notice_id, o.person_id, o.reason, "
        "o.lodged_at, o.answer, o.answered_at, o.answered_by_id FROM notice_objection o "
        "JOIN notice n ON n.id = o.notice_id WHERE n.subject = 'stars'"))
    bind.execute(sa.text("DELETE FROM rating_published_result WHERE publication_id NOT IN "
                         "(SELECT id FROM rating_publication)"))
    _point_results_at('rating_publication', 'notice')
    _drop_later_notice_rows(bind)
    with op.batch_alter_table('notice_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_objection_notice_id'))
    op.drop_table('notice_objection')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_branch_id'))
    op.drop_table('notice')
    _restart_ids(bind, ('rating_publication', 'rating_objection'))


def _drop_later_notice_rows(bind):
    """Tables of this revision that refer to notices go before them: the published outcomes
    of satisfaction rounds (the old version did not announce them)."""
    with op.batch_alter_table('rating_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_outcome_round_id'))
        batch_op.drop_index(batch_op.f('ix_rating_outcome_person_id'))
    op.drop_table('rating_outcome')


def _create_old_tables():
    op.create_table('rating_ballot_cast',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('rater_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['rater_id'], ['person.id'],
                                name=op.f('fk_rating_ballot_cast_rater_id_person')),
        sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'],
                                name=op.f('fk_rating_ballot_cast_round_id_rating_round')),
        sa.PrimaryKeyConstraint('round_id', 'rater_id', name=op.f('pk_rating_ballot_cast')))
    op.create_table('rating_grade',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('ratee_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['ratee_id'], ['person.id'],
                                name=op.f('fk_rating_grade_ratee_id_person')),
        sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'],
                                name=op.f('fk_rating_grade_round_id_rating_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_grade')))
    with op.batch_alter_table('rating_grade', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_grade_round_id'), ['round_id'], unique=False)
    op.create_table('review_vote',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('voter_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'],
                                name=op.f('fk_review_vote_commitment_id_commitment')),
        sa.ForeignKeyConstraint(['round_id'], ['review_round.id'],
                                name=op.f('fk_review_vote_round_id_review_round')),
        sa.ForeignKeyConstraint(['voter_id'], ['person.id'],
                                name=op.f('fk_review_vote_voter_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_vote')),
        sa.UniqueConstraint('round_id', 'commitment_id', 'voter_id', name='uq_review_vote_once'))
    with op.batch_alter_table('review_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_vote_commitment_id'), ['commitment_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_review_vote_round_id'), ['round_id'], unique=False)


def _restore(bind, kind, round_table):
    """Old rows from the counts of each round of this kind (see the module docstring)."""
    boxes = bind.execute(sa.text(
        f"SELECT o.id, b.id, o.opened_at FROM {round_table} o JOIN ballot_round b "
        "ON b.kind = :kind AND b.branch_id = o.branch_id AND b.year = o.year "
        "AND b.subject = 'Q' || CAST(o.quarter AS VARCHAR(2))"), dict(kind=kind)).all()
    for old_id, box_id, opened_at in boxes:
        voters = sorted(bind.execute(sa.text(
            "SELECT voter_id FROM ballot_voter WHERE round_id = :r"), dict(r=box_id)).scalars())
        counts = bind.execute(sa.text("SELECT item_id, grade, count FROM ballot_result "
                                      "WHERE round_id = :r ORDER BY item_id, grade"),
                              dict(r=box_id)).all()
        if kind == "satisfaction":
            _restore_grades(bind, old_id, voters, counts)
        else:
            _restore_review_votes(bind, old_id, voters, counts, opened_at)


def _restore_grades(bind, old_id, voters, counts):
    rows = [dict(id=secrets.token_hex(16), r=old_id, p=item, g=grade)
            for item, grade, n in counts for _ in range(n)]
    random.SystemRandom().shuffle(rows)
    if rows:
        bind.execute(sa.text("INSERT INTO rating_grade (id, round_id, ratee_id, grade) "
                             "VALUES (:id, :r, :p, :g)"), rows)
    if voters:
        bind.execute(sa.text("INSERT INTO rating_ballot_cast (round_id, rater_id) "
                             "VALUES (:r, :v)"), [dict(r=old_id, v=v) for v in voters])


def _restore_review_votes(bind, old_id, voters, counts, opened_at):
    rows, next_voter = [], defaultdict(int)
    for item, grade, n in counts:
        for _ in range(n):
            rows.append(dict(r=old_id, c=item, v=voters[next_voter[item]], g=grade, at=opened_at))
            next_voter[item] += 1
    if rows:
        bind.execute(sa.text("INSERT INTO review_vote (round_id, commitment_id, voter_id, "
                             "rating, at) VALUES (:r, :c, :v, :g, :at)"), rows)
