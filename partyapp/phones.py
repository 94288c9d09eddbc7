"""Chinese mobile numbers, checked with phonenumbers and stored as 11 digits."""
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_MASKABLE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


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


def mask_numbers_in_text(text: str) -> str:
    """Hide mobile numbers and ID-card numbers typed inside free text before it goes public."""
    text = re.sub(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])", "******************", text)
    text = re.sub(r"(?<!\d)\d{15}(?!\d)", "***************", text)
    return _MASKABLE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
