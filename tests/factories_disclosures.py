"""Factories for the disclosures feature."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from PIL import Image

from partyapp.disclosures import decisions as decision_service
from partyapp.disclosures.models import Commitment, CommitmentKind, ReviewRound
from partyapp.extensions import db


def make_commitment(branch, owner, *, title="硬化村道", kind=CommitmentKind.ANNUAL,
                    due_on=date(2026, 12, 31), baseline="村道泥泞 2.3 公里",
                    target="硬化 2.3 公里", **extra) -> Commitment:
    commitment = Commitment(branch_id=branch.id, owner_id=owner.id, kind=kind, title=title,
                            content=extra.pop("content", "争取上级资金，分两期施工"),
                            baseline=baseline, target=target, due_on=due_on, **extra)
    db.session.add(commitment)
    db.session.flush()
    return commitment


def make_decision(branch, actor, *, title="修建村文化广场", procedure="siyi_liangkai"):
    return decision_service.start_decision(actor, branch, procedure, title, "占地 3 亩，预算 40 万元")


def make_round(branch, *, year=2026, quarter=4, closed=False) -> ReviewRound:
    from partyapp import clock

    review = ReviewRound(branch_id=branch.id, year=year, quarter=quarter,
                         closed_at=clock.now() if closed else None)
    db.session.add(review)
    db.session.flush()
    if not closed:
        from partyapp.ballots import services as ballots

        ballots.open_round(ballots.REVIEW, branch.id, year, f"Q{quarter}")
    return review


def jpeg_bytes(exif: bytes | None = None, size=(40, 30), fmt="JPEG") -> bytes:
    buffer = BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()
