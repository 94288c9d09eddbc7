"""Issue 16 — an opinion box one prankster cannot close for a village. Rejected posts
(honeypot, invalid) spend nobody's budget; the per-address backstop is per village and sized
for a market-day queue on one router; behind a declared number of proxies the address comes
from X-Forwarded-For (ProxyFix), never otherwise; a limited villager reads a Chinese message,
also after an htmx (boosted) post."""
import random

from sqlalchemy import func, select

from partyapp import create_app
from partyapp.extensions import db, limiter
from partyapp.opinions.models import Opinion

ROUTER = "10.20.30.40"
WORDS = ("路灯", "水管", "垃圾", "村道", "排水", "广场", "桥梁", "电线", "井盖", "公厕", "鱼塘", "果园",
         "学校", "诊所", "低保", "医保", "养老", "停车", "集市", "河道", "绿化", "网络", "快递", "公交")


def distinct(n: int) -> str:
    """A text unlike every other n (the box refuses near-duplicates within minutes)."""
    rng = random.Random(n)
    return "、".join(rng.sample(WORDS, 8)) + f"的问题，第{n}位。"


def post(app, slug="jia1", address=ROUTER, headers=None, **fields):
    """A phone without cookies (a new client every time), behind the village router."""
    data = {"category": "环境卫生", "content": "河边垃圾堆了一个星期没人清理。",
            "public_allowed": "y", **fields}
    return app.test_client().post(f"/opinions/v/{slug}/new", data=data, headers=headers or {},
                                  content_type="multipart/form-data",
                                  environ_overrides={"REMOTE_ADDR": address})


def opinions() -> int:
    return db.session.scalar(select(func.count(Opinion.id)))


def test_honeypot_and_invalid_posts_close_nobody_s_box(app, world, rate_limits):
    codes = {post(app, website="http://spam.example", content=f"刷屏{n}").status_code
             for n in range(57)}
    codes |= {post(app, content="").status_code for _ in range(20)}        # invalid: no text
    assert codes <= {200, 303} and opinions() == 0
    # The neighbour on the same router, this village and another one: accepted at once.
    assert post(app, content="邻居：路灯坏了三天。").status_code == 303
    assert post(app, slug="jia2", content="别村：桥栏杆松了。").status_code == 303
    assert opinions() == 2


def test_a_market_day_queue_on_one_router_gets_through(app, world, rate_limits):
    codes = [post(app, content=distinct(n)).status_code
             for n in range(100)]
    assert codes == [303] * 100 and opinions() == 100


def test_the_backstop_is_per_village_and_says_so_in_chinese(app, world, rate_limits):
    for n in range(120):
        assert post(app, content=distinct(n)).status_code == 303
    limited = post(app, content="第121条。")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "操作太频繁" in limited.get_data(as_text=True)
    boosted = post(app, content="第122条。", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 429 and "操作太频繁，请稍等几分钟再试" in boosted.get_data(
        as_text=True)
    assert boosted.headers["HX-Retarget"] == "body" and boosted.headers["HX-Reswap"] == "innerHTML"
    assert post(app, slug="jia2", content="别村的意见照常收到。").status_code == 303
    assert post(app, address="10.20.30.41", content="另一个路由器。").status_code == 303


def test_the_client_address_comes_from_the_declared_proxies_only(app, world, rate_limits):
    forwarded = app.config["SQLALCHEMY_DATABASE_URI"]
    behind_proxy = create_app({**{k: app.config[k] for k in (
        "TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "UPLOAD_FOLDER", "BALLOT_KEY_DIR")},
        "SQLALCHEMY_DATABASE_URI": forwarded, "TRUSTED_PROXIES": 1})
    limiter.enabled = True
    try:
        for n in range(120):     # all from one village address, as nginx forwards it
            assert post(behind_proxy, address="127.0.0.1", headers={
                "X-Forwarded-For": f"1.2.3.4, {ROUTER}"}, content=distinct(n)
            ).status_code == 303
        assert post(behind_proxy, address="127.0.0.1", headers={
            "X-Forwarded-For": ROUTER}, content="满了。").status_code == 429
        assert post(behind_proxy, address="127.0.0.1", headers={
            "X-Forwarded-For": "10.20.30.99"}, content="另一个村民路由器。").status_code == 303
        # Without declared proxies a forged header changes nothing: the socket address counts.
        for n in range(120):
            assert post(app, address="10.9.9.9", content=distinct(1000 + n)).status_code == 303
        assert post(app, address="10.9.9.9", headers={"X-Forwarded-For": "8.8.8.8"},
                    content="伪造地址。").status_code == 429
    finally:
        with behind_proxy.app_context():
            db.session.remove()
            db.engine.dispose()
