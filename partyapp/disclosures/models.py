"""Tables of the public disclosures (四公开): commitments with their progress, monthly asks,
quarterly review rounds, assessments; decision procedures (data), decisions and their steps."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Person, UTCDateTime


class CommitmentKind:
    CAMPAIGN = "campaign"      # 竞选施政纲领
    PLEDGE = "pledge"          # 履职宣言
    TERM = "term"              # 任期目标
    ANNUAL = "annual"          # 年度目标
    MEMBER = "member"          # 党员承诺（亮承诺）
    LABELS = {CAMPAIGN: "竞选施政纲领", PLEDGE: "履职宣言", TERM: "任期目标", ANNUAL: "年度目标",
              MEMBER: "党员承诺"}
    COMMITTEE_ONLY = {CAMPAIGN, PLEDGE, TERM, ANNUAL}


class CommitmentStatus:
    NOT_STARTED = "not_started"   # 未开始
    IN_PROGRESS = "in_progress"   # 推进中
    BLOCKED = "blocked"           # 受阻
    KEPT = "kept"                 # 已兑现
    PARTLY_KEPT = "partly_kept"   # 部分兑现
    NOT_KEPT = "not_kept"         # 未兑现
    LABELS = {NOT_STARTED: "未开始", IN_PROGRESS: "推进中", BLOCKED: "受阻", KEPT: "已兑现",
              PARTLY_KEPT: "部分兑现", NOT_KEPT: "未兑现"}
    # Text symbols so colour is never the only signal.
    SYMBOLS = {NOT_STARTED: "○", IN_PROGRESS: "▶", BLOCKED: "⚠", KEPT: "✓", PARTLY_KEPT: "◐",
               NOT_KEPT: "✗"}
    TAGS = {NOT_STARTED: "muted", IN_PROGRESS: "info", BLOCKED: "warn", KEPT: "primary",
            PARTLY_KEPT: "warn", NOT_KEPT: "danger"}
    OPEN = (NOT_STARTED, IN_PROGRESS, BLOCKED)


class CommitmentLabels:
    """What a commitment's kind and status read as, for the model and for the plain rows the
    public poster reads (disclosures.commitments.PosterLine). Needs `kind` and `status`."""

    __slots__ = ()

    @property
    def kind_label(self) -> str:
        return CommitmentKind.LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return CommitmentStatus.LABELS.get(self.status, self.status)

    @property
    def status_symbol(self) -> str:
        return CommitmentStatus.SYMBOLS.get(self.status, "")

    @property
    def status_tag(self) -> str:
        return CommitmentStatus.TAGS.get(self.status, "muted")

    @property
    def is_open(self) -> bool:
        return self.status in CommitmentStatus.OPEN


class Commitment(CommitmentLabels, db.Model):
    """A promise made to the villagers (承诺事项), with its progress."""

    __tablename__ = "commitment"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[str] = mapped_column(Text, default="")      # 现状
    target: Mapped[str] = mapped_column(Text, default="")        # 目标 (measurable)
    due_on: Mapped[date]
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    status: Mapped[str] = mapped_column(String(16), default=CommitmentStatus.NOT_STARTED)
    percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Last progress update (the "no update for over a month" mark reads this).
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Person] = relationship()
    decision: Mapped[Decision | None] = relationship()
    updates: Mapped[list[CommitmentUpdate]] = relationship(
        back_populates="commitment", order_by="CommitmentUpdate.at.desc()")

    @property
    def last_progress_at(self) -> datetime:
        """The last progress update, else when the commitment was made."""
        return self.progress_at or self.created_at


class CommitmentUpdate(db.Model):
    """One dated entry of a commitment's timeline."""

    __tablename__ = "commitment_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))
    photo: Mapped[str | None] = mapped_column(String(80))    # file name under UPLOAD_FOLDER

    commitment: Mapped[Commitment] = relationship(back_populates="updates")

    @property
    def status_label(self) -> str:
        return CommitmentStatus.LABELS.get(self.status, self.status)


class CommitmentAsk(db.Model):
    """一月一督查: the monthly request for a progress update, one row per commitment and month
    (the unique constraint makes the ask happen once, whoever runs the job)."""

    __tablename__ = "commitment_ask"
    __table_args__ = (UniqueConstraint("commitment_id", "month", name="uq_commitment_ask_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    month: Mapped[date]                       # first day of the month (China time)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rating:
    GOOD = "good"
    FAIRLY_GOOD = "fairly_good"
    AVERAGE = "average"
    POOR = "poor"
    LABELS = {GOOD: "好", FAIRLY_GOOD: "较好", AVERAGE: "一般", POOR: "差"}


class ReviewRound(db.Model):
    """一季一评议: a quarterly review the secretary opens and closes."""

    __tablename__ = "review_round"
    __table_args__ = (UniqueConstraint("branch_id", "year", "quarter", name="uq_review_round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int]
    quarter: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度评议"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Verdict:
    KEPT = "kept"
    PARTLY = "partly"
    NOT_KEPT = "not_kept"
    LABELS = {KEPT: "已兑现", PARTLY: "部分兑现", NOT_KEPT: "未兑现"}


class AssessmentLabels:
    """What an assessment's kind and verdict read as, for the model and for the plain rows the
    public results tab reads (disclosures.commitments.AssessmentLine). Needs `kind`, `verdict`."""

    __slots__ = ()
    ANNUAL, TERM = "annual", "term"
    KIND_LABELS = {ANNUAL: "年度考核", TERM: "任期评定"}

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS.get(self.kind, self.kind)

    @property
    def verdict_label(self) -> str:
        return Verdict.LABELS.get(self.verdict, self.verdict)


class Assessment(AssessmentLabels, db.Model):
    """一年一考核 (kind annual, period = the year) and 三年一评定 (kind term, period = the
    term's last year): the branch's recorded verdict with its reasons. Published."""

    __tablename__ = "commitment_assessment"
    __table_args__ = (UniqueConstraint("commitment_id", "kind", "period",
                                       name="uq_commitment_assessment"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    period: Mapped[int]
    verdict: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    commitment: Mapped[Commitment] = relationship()


# ---- decisions -------------------------------------------------------------------------------
class Procedure(db.Model):
    """A decision procedure (四议两公开, 党群联席会议 …): its steps and their rules are rows."""

    __tablename__ = "decision_procedure"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60))

    steps: Mapped[list[ProcedureStep]] = relationship(order_by="ProcedureStep.position")


class ProcedureStep(db.Model):
    """One named step and its rule. A step with a quorum rule is a meeting; one with a pass
    rule is a vote. Fractions are numerator/denominator; `*_strict` means "more than" (过半数),
    otherwise "at least" (三分之二以上). The pass base is "expected" (应到) or "present" (实到).
    A failed vote either ends the decision or returns it to `return_to` (a position)."""

    __tablename__ = "procedure_step"
    __table_args__ = (UniqueConstraint("procedure_id", "position", name="uq_procedure_step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("decision_procedure.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(String(40), default="")     # who attends / votes
    quorum_num: Mapped[int | None]
    quorum_den: Mapped[int | None]
    quorum_strict: Mapped[bool] = mapped_column(default=True)
    pass_num: Mapped[int | None]
    pass_den: Mapped[int | None]
    pass_strict: Mapped[bool] = mapped_column(default=True)
    pass_base: Mapped[str] = mapped_column(String(10), default="present")
    on_fail: Mapped[str] = mapped_column(String(10), default="end")   # end | return
    return_to: Mapped[int | None]
    public_notice: Mapped[bool] = mapped_column(default=False)   # 决议公开 / 结果公开

    @property
    def is_meeting(self) -> bool:
        return self.quorum_den is not None

    @property
    def is_vote(self) -> bool:
        return self.pass_den is not None


class DecisionStatus:
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ENDED = "ended"
    LABELS = {IN_PROGRESS: "进行中", DONE: "已完成", ENDED: "已终止（未通过）"}


class Decision(db.Model):
    """A village matter walking a procedure's steps in order."""

    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("decision_procedure.id"))
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    next_position: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=DecisionStatus.IN_PROGRESS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    procedure: Mapped[Procedure] = relationship()
    records: Mapped[list[DecisionStep]] = relationship(
        back_populates="decision", order_by="DecisionStep.id")

    @property
    def status_label(self) -> str:
        return DecisionStatus.LABELS.get(self.status, self.status)


class DecisionStep(db.Model):
    """What happened at one step (a returned decision has several records per position)."""

    __tablename__ = "decision_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[date]
    # The meeting where it happened (meetings module; no foreign key until it is merged).
    meeting_id: Mapped[int | None]
    expected: Mapped[int | None]       # 应到
    present: Mapped[int | None]        # 实到
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    passed: Mapped[bool] = mapped_column(default=True)
    outcome: Mapped[str] = mapped_column(String(200), default="")   # public, plain words
    public_text: Mapped[str] = mapped_column(Text, default="")      # what was decided / done
    minutes: Mapped[str] = mapped_column(Text, default="")          # internal, never public
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    decision: Mapped[Decision] = relationship(back_populates="records")
