"""Chinese mobile numbers, checked with phonenumbers and stored as 11 digits."""
import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType


def normalize_mobile(raw: str) -> str:
    """'+86 138-0013-8000' -> '13800138000'; raises ValueError with a Chinese message."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("请填写手机号")
    try:
        number = phonenumbers.parse(text, "CN")
    except NumberParseException:
        raise ValueError("手机号格式不对，请填写11位手机号") from None
    if (number.country_code != 86 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE,
                                                         PhoneNumberType.FIXED_LINE_OR_MOBILE)):
        raise ValueError("手机号格式不对，请填写11位手机号")
    return str(number.national_number)


def mask_mobile(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if number and len(number) >= 7 else ""


# Digits as villagers type them: ASCII and fullwidth (NFKC), and Chinese numerals read out
# digit by digit (一三八零…, 幺 for 1). Separators people put inside a number.
_CHINESE_DIGITS = {"零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "二": "2", "三": "3",
                   "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_SEPARATORS = frozenset(" \t\u00a0-‐‑‒–—―_.·・/、,()")
_SEP = "~"          # a separator, in the shadow text below
_GAP = f"{_SEP}{{0,3}}"
_ID_18 = re.compile(rf"(?<![0-9X]){_GAP.join(['[0-9]'] * 17)}{_GAP}[0-9X](?![0-9X])")
_ID_15 = re.compile(rf"(?<![0-9X]){_GAP.join(['[0-9]'] * 15)}(?![0-9X])")
_MOBILE = re.compile(rf"(?<![0-9X])1{_GAP}[3-9]{''.join(f'{_GAP}[0-9]' for _ in range(9))}(?![0-9])")


def _shadow(text: str) -> str:
    """One character per character of `text`: a digit (any script) as 0-9, an ID check letter
    as X, a separator as '~', anything else as itself — so matches map back to `text`."""
    out = []
    for char in text:
        norm = unicodedata.normalize("NFKC", char)
        if len(norm) == 1 and "0" <= norm <= "9":
            out.append(norm)
        elif char in _CHINESE_DIGITS:
            out.append(_CHINESE_DIGITS[char])
        elif norm in ("X", "x"):
            out.append("X")
        elif norm in _SEPARATORS or (len(norm) == 1 and norm.isspace()):
            out.append(_SEP)
        else:
            out.append("#" if len(norm) != 1 else norm)
    return "".join(out)


def mask_numbers_in_text(text: str) -> str:
    """Hide mobile numbers and ID-card numbers typed inside free text before it goes public:
    after NFKC (fullwidth １３８…), across separators (138.0000.0010, 138 - 0000 - 0010,
    spaced-out ID numbers) and in Chinese numerals (一三八零零零零零零一零). A mobile keeps its
    first three and last four digits (138****0010); an ID number is all stars."""
    if not text:
        return text
    shadow = _shadow(text)
    spans: list[tuple[int, int, str]] = []
    taken = [False] * len(text)

    def claim(pattern, replace):
        for match in pattern.finditer(shadow):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            digits = match.group().replace(_SEP, "")
            spans.append((start, end, replace(digits)))
            taken[start:end] = [True] * (end - start)

    claim(_ID_18, lambda digits: "*" * 18)
    claim(_ID_15, lambda digits: "*" * 15)
    claim(_MOBILE, lambda digits: f"{digits[:3]}****{digits[-4:]}")
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
