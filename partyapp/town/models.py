"""Tables of the town oversight feature: the supervisory notes (督办) the town adds to an
escalated opinion, which the branch sees on the opinion's page."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Person, UTCDateTime


class SupervisoryNote(db.Model):
    """督办: the town committee's instruction on one opinion. Notes are kept, never edited."""

    __tablename__ = "supervisory_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[Person] = relationship()
