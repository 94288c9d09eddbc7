"""Passwords a member may not choose: the ones every attacker tries first."""
from __future__ import annotations

# The most common choices on Chinese sites (leaked lists), lower-cased.
COMMON = frozenset("""
123456 1234567 12345678 123456789 1234567890 111111 000000 888888 666666 999999 555555
654321 987654 123123 112233 121212 123321 520520 5201314 1314520 147258 147258369 159357
159753 258369 789456 456789 qwerty qwerty123 password password1 passw0rd abc123 abc123456
a123456 a12345678 123456a 123456abc aa123456 woaini woaini1314 iloveyou admin admin123
qq123456 wang123456 zhang123456 123qwe 1q2w3e4r 1qaz2wsx asdfgh zxcvbn 11223344 aaaaaa
dangyuan dangjian gongchandang
""".split())


def _is_run(text: str) -> bool:
    """All one character, or digits that only count up or only count down (123456, 987654)."""
    if len(set(text)) == 1:
        return True
    if not text.isdigit():
        return False
    steps = {(int(b) - int(a)) % 10 for a, b in zip(text, text[1:])}
    return steps in ({1}, {9})


def problem(password: str, phone: str | None = None) -> str | None:
    """Why this password is refused (a Chinese sentence), or None when it may be used."""
    lowered = (password or "").strip().lower()
    if lowered in COMMON or _is_run(lowered):
        return "这个密码太常见，别人很容易猜到，请换一个"
    if phone:
        digits = "".join(ch for ch in lowered if ch.isdigit())
        if lowered == phone or (len(digits) >= 6 and digits in phone) or phone in lowered:
            return "不能用手机号（或其中一段）做密码，请换一个"
    if lowered.isdigit() and len(set(lowered)) <= 2:
        return "这个密码太简单（只有一两个数字反复），请换一个"
    return None
