"""Demo opinions: a handful per village, in every state (open, due soon, overdue, replied,
closed, reopened, private reply, entered from a paper slip). Then the sweep runs once, as the
clock process would on its first start, so overdue opinions are marked and reach the town."""
from datetime import timedelta

from .. import clock
from .jobs import sweep
from .models import Channel
from .services import Submission, rate_opinion, reply_to_opinion, submit_opinion

_SAMPLES = [
    # (days ago, category, content, channel, public, what happens next)
    (1, "环境卫生", "村东头垃圾池满了好几天没人清运，天热有味道。", Channel.WEB, True, None),
    (4, "村务", "村口路灯坏了两盏，晚上老人出门不安全。", Channel.WEB, True, None),
    (12, "民生服务", "希望村卫生室周末也能开半天门。", Channel.HOTLINE, True, None),
    (9, "治安", "晚上有人在村道上飙车，请在路口装个减速带。", Channel.PAPER, True, "reply-good"),
    (8, "财务", "去年修路的账目什么时候公开？", Channel.WEB, True, "reply-bad"),
    (6, "其他", "我家老人的养老保险认证不会弄，能不能上门帮一下？", Channel.VISIT, False,
     "reply-private"),
]


def seed(ctx) -> None:
    for slug, branch in ctx.villages.items():
        secretary = ctx.members[slug][0]
        for days_ago, category, content, channel, public, then in _SAMPLES:
            _seed_one(branch, secretary, days_ago, category, content, channel, public, then)
    sweep()


def _seed_one(branch, secretary, days_ago, category, content, channel, public, then):
    received = clock.now() - timedelta(days=days_ago)
    with clock.travel(received):
        opinion, _ = submit_opinion(
            branch, Submission(category=category, content=content, public_allowed=public,
                               channel=channel, received_at=received,
                               name="王大爷" if channel == Channel.VISIT else ""),
            entered_by=secretary if channel in Channel.STAFF else None, check_duplicates=False)
        if then is None:
            return
        clock.move(timedelta(days=2))
        if then == "reply-private":
            reply_to_opinion(secretary, opinion, "已安排网格员周三上门帮老人做认证。",
                             public=False, summary="涉及个人事项，已上门办理。")
            return
        reply_to_opinion(secretary, opinion, _REPLIES[then])
        clock.move(timedelta(days=1))
        rate_opinion(opinion, "good" if then == "reply-good" else "bad")


_REPLIES = {
    "reply-good": "已向镇派出所反映，本月在村口和学校门口各装一条减速带。",
    "reply-bad": "账目已报镇财政所审核，审核后公开。",
}
