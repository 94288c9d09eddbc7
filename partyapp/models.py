"""Core tables: organisations, people, roles, invitations, audit trail, inbox, clock heartbeat.

Feature packages keep their own tables in `partyapp/<feature>/models.py`; each feature's
`feature()` declaration imports them, so `db.metadata` (and Alembic) knows every table once
create_app() has run. Tables here know no feature.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, types
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .extensions import db


class UTCDateTime(types.TypeDecorator):
    """Aware UTC in Python, naive UTC in the database — the same on SQLite and PostgreSQL."""

    impl = types.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(clock.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=clock.UTC)


class OrgKind:
    TOWN = "town"                  # 镇/街道党委
    GENERAL_BRANCH = "general"     # 党总支
    BRANCH = "branch"              # 党支部
    GROUP = "group"                # 党小组
    LABELS = {TOWN: "镇（街道）党委", GENERAL_BRANCH: "党总支", BRANCH: "党支部", GROUP: "党小组"}


class Organization(db.Model):
    """A node of the organisation tree, any depth: town → (general branch) → branch → group.
    `path` ("/1/4/9/") makes "everything under X" one indexed LIKE query."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    village_name: Mapped[str | None] = mapped_column(String(80))
    slug: Mapped[str | None] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The branch's own WeCom group robot (企业微信群机器人); its key is a secret.
    wecom_webhook: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[Organization | None] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return OrgKind.LABELS.get(self.kind, self.kind)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def town_id(self) -> int:
        return self.ancestor_ids[0]

    def contains(self, other: Organization) -> bool:
        return other.path.startswith(self.path)


class PartyStatus:
    FULL = "full"                  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员
    LABELS = {FULL: "正式党员", PROBATIONARY: "预备党员"}


class PersonStatus:
    """Where a person stands beyond their roles (None: at home, as usual)."""

    MOBILE = "mobile"        # 流动党员: lives and works elsewhere, still a member here
    DECEASED = "deceased"    # 去世
    LABELS = {MOBILE: "流动党员", DECEASED: "已去世"}


class Person(UserMixin, db.Model):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    name_pinyin: Mapped[str] = mapped_column(String(160), default="", index=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    party_status: Mapped[str | None] = mapped_column(String(16))
    joined_party_on: Mapped[date | None]
    is_villager_rep: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str | None] = mapped_column(String(16))      # PersonStatus
    status_since: Mapped[date | None]
    # Bumped to log every device out (password reset, deactivation).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", foreign_keys="Membership.person_id")

    # Set by auth.services.start_login() and by the loader: the secret of this log-in
    # (LoginSession). Flask-Login stores get_id() in the session and the remember cookie, so
    # both carry it, and ending that LoginSession row ends both.
    login_token = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}:{self.login_token or ''}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_party_member(self) -> bool:
        return self.party_status is not None

    @property
    def party_status_label(self) -> str:
        return PartyStatus.LABELS.get(self.party_status or "", "群众")

    @property
    def status_label(self) -> str:
        return PersonStatus.LABELS.get(self.status or "", "")


class Role:
    MEMBER = "member"                  # 党员
    GROUP_LEADER = "group_leader"      # 党小组长
    SECRETARY = "secretary"            # 书记
    DEPUTY_SECRETARY = "deputy"        # 副书记
    ORGANIZER = "organizer"            # 组织委员
    PUBLICITY = "publicity"            # 宣传委员
    DISCIPLINE = "discipline"          # 纪检委员
    BRANCH_COMMITTEE = "commissioner"  # 支部委员（委员）
    RECORDER = "recorder"              # 记录人
    COMMITTEE = "committee"            # 村“两委”成员
    COLLECTIVE_LEADER = "collective_leader"   # 集体经济组织班子成员 (party member or not)
    VILLAGER_REP = "villager_rep"      # 村民代表
    SHAREHOLDER_REP = "shareholder_rep"       # 股东代表
    MIGRANT_REP = "migrant_rep"        # 异地务工人员代表
    TOWN_ADMIN = "town_admin"          # 镇党委组织委员
    LABELS = {
        MEMBER: "党员", GROUP_LEADER: "党小组长", SECRETARY: "书记", DEPUTY_SECRETARY: "副书记",
        ORGANIZER: "组织委员", PUBLICITY: "宣传委员", DISCIPLINE: "纪检委员",
        BRANCH_COMMITTEE: "支部委员", RECORDER: "记录人", COMMITTEE: "两委成员",
        COLLECTIVE_LEADER: "集体经济组织班子成员", VILLAGER_REP: "村民代表",
        SHAREHOLDER_REP: "股东代表", MIGRANT_REP: "异地务工人员代表", TOWN_ADMIN: "镇党委管理员",
    }
    # The branch committee (支部委员会): 书记, 副书记 and the 委员 (组织、宣传、纪检 and plain).
    BRANCH_COMMITTEE_ROLES = frozenset({SECRETARY, DEPUTY_SECRETARY, ORGANIZER, PUBLICITY,
                                        DISCIPLINE, BRANCH_COMMITTEE})
    # The representatives the seeds name (村民代表, 股东代表, 异地务工人员代表).
    REPRESENTATIVE_ROLES = frozenset({VILLAGER_REP, SHAREHOLDER_REP, MIGRANT_REP})


class Membership(db.Model):
    """A role a person holds in one organisation; one person holds many (一肩挑、交叉任职).
    Ending a role keeps the row: history stays, rights end."""

    __tablename__ = "membership"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    post: Mapped[str | None] = mapped_column(String(40))  # e.g. 村委会主任
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="memberships", foreign_keys=[person_id])
    org: Mapped[Organization] = relationship()

    @property
    def role_label(self) -> str:
        return Role.LABELS.get(self.role, self.role)


Index("ix_membership_active", Membership.org_id, Membership.role, Membership.ended_on)


class InvitationPurpose:
    INVITE = "invite"      # set a password (first use, or a reset)
    LOGIN = "login"        # a one-time log-in link / QR the secretary hands a member
    LABELS = {INVITE: "邀请设置密码", LOGIN: "一次性登录"}


class Invitation(db.Model):
    """One-time link: where a person sets a password (invite), or that logs them in once
    (login). Only the token's hash is stored."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(10), default=InvitationPurpose.INVITE,
                                         server_default=InvitationPurpose.INVITE)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class LoginSession(db.Model):
    """One row per log-in. Its token (only the hash is stored) is part of the id in the Flask
    session and the remember cookie: log-out deletes the row, so a copied cookie stops
    working. Person.session_version still ends every log-in at once (退出所有设备)."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    via: Mapped[str] = mapped_column(String(10), default="password")   # password/invite/link
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class LoginFailure(db.Model):
    """Failed log-in counters per (kind, key, window) — the shared store of auth/guard.py when
    REDIS_URL is unset. kind: account (a mobile number), address (a network address), site."""

    __tablename__ = "login_failure"
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    window: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WechatBinding(db.Model):
    """A 服务号 openid (网页授权 snsapi_base) bound to one person, and a person to one openid:
    made after one normal log-in inside WeChat, removed on 我的."""

    __tablename__ = "wechat_binding"
    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class WechatOAuthState(db.Model):
    """The `state` of one 网页授权 round trip: its value also sits in the browser's session
    (bound to that browser); only the hash is stored, and the callback deletes it (single use)."""

    __tablename__ = "wechat_oauth_state"
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


class AuditEntry(db.Model):
    """Who changed what, when. Written by services; never holds secret-ballot content."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Person | None] = relationship()


class Notification(db.Model):
    """An inbox message (消息)."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40), default="info")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_notification_inbox", Notification.person_id, Notification.read_at)


class OutboxStatus:
    QUEUED = "queued"      # waiting for the clock process (next_try_at)
    SENT = "sent"
    FAILED = "failed"      # given up: too many tries or past the time limit; the secretary sees it


class OutboundMessage(db.Model):
    """The outbox: a message for a group outside the site, added in the transaction of the
    change it tells about and sent later by the clock process (notify.jobs), never inside a
    request. The record sender only records (sent at once). `created_at` is when it was first
    queued, `error` the last error; `org_id` the branch whose robot it goes to (its secretary
    sees failures). The robot's key is never stored here: it is read from the branch (or the
    configuration) when sending."""

    __tablename__ = "outbound_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    delivered: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.SENT,
                                        server_default=OutboxStatus.SENT)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))


Index("ix_outbound_message_due", OutboundMessage.status, OutboundMessage.next_try_at)
Index("ix_outbound_message_org", OutboundMessage.org_id, OutboundMessage.status)


class Heartbeat(db.Model):
    """The clock process writes its last beat here; /healthz reads it."""

    __tablename__ = "heartbeat"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


__all__ = [
    "UTCDateTime", "OrgKind", "Organization", "PartyStatus", "PersonStatus", "Person", "Role",
    "Membership",
    "InvitationPurpose", "Invitation", "LoginSession", "LoginFailure", "AuditEntry", "Notification",
    "OutboundMessage", "OutboxStatus", "Heartbeat", "UniqueConstraint",
]

