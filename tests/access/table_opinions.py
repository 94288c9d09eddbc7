"""Opinion box routes: who may use them. Villagers need no account; handling stays in the
branch (and its town, read-only)."""
from .rules import EVERYONE, LOGGED_IN, OFFICERS, Access

SECRETARY = frozenset({"secretary"})


def populate(world):
    from io import BytesIO

    from PIL import Image

    from partyapp.extensions import db
    from partyapp.opinions.models import OpinionPhoto
    from partyapp.opinions.photos import save_photos
    from partyapp.opinions.services import Submission, submit_opinion

    opinion, secret = submit_opinion(world.branch, Submission(
        category="村务", content="甲一村内部意见：请修村口的路灯。", name="张三",
        phone="13912340000"), check_duplicates=False)
    image = BytesIO()
    Image.new("RGB", (8, 8), "blue").save(image, "JPEG")
    save_photos(opinion, [image.getvalue()])
    db.session.commit()
    world.extra.update(opinion=opinion.id, opinion_secret=secret,
                       opinion_photo=db.session.query(OpinionPhoto.id).scalar())


def _opinion(w):
    return {"opinion_id": w.extra["opinion"]}


ROUTES = {
    "opinions.index": Access(LOGGED_IN),
    "opinions.submit": Access(EVERYONE, params=lambda w: {"slug": w.branch.slug}),
    "opinions.poster": Access(EVERYONE, params=lambda w: {"slug": w.branch.slug}),
    "opinions.track": Access(EVERYONE, params=lambda w: {"secret": w.extra["opinion_secret"]}),
    "opinions.rate": Access(EVERYONE, method="POST",
                            params=lambda w: {"secret": w.extra["opinion_secret"]}),
    "opinions.tracked_photo": Access(EVERYONE, params=lambda w: {
        "secret": w.extra["opinion_secret"], "photo_id": w.extra["opinion_photo"]}),
    "opinions.find": Access(EVERYONE),
    "opinions.mine": Access(EVERYONE),
    "opinions.forget": Access(EVERYONE, method="POST"),
    "opinions.inbox": Access(OFFICERS, params=lambda w: {"branch_id": w.branch.id},
                             secret=lambda w: "甲一村内部意见"),
    "opinions.staff_new": Access(SECRETARY, params=lambda w: {"branch_id": w.branch.id}),
    "opinions.detail": Access(OFFICERS, params=_opinion, secret=lambda w: "甲一村内部意见"),
    "opinions.assign": Access(SECRETARY, method="POST", params=_opinion,
                              secret=lambda w: "甲一村内部意见"),
    "opinions.reply": Access(SECRETARY, method="POST", params=_opinion,
                             secret=lambda w: "甲一村内部意见"),
    "opinions.staff_photo": Access(OFFICERS, params=lambda w: {
        "opinion_id": w.extra["opinion"], "photo_id": w.extra["opinion_photo"]}),
}
