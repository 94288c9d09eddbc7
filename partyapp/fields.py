"""Form fields whose parse errors speak Chinese (WTForms' own messages are English), shared by
every feature's forms."""
from wtforms import DateField, FloatField, IntegerField, SelectField
from wtforms.validators import ValidationError

REQUIRED = "请填写这一项"


class _Parsed:
    """Empty input is None (validators decide whether that is allowed); a bad number gets
    `message` instead of WTForms' English text."""

    convert = int
    message = "请填写整数"

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = self.convert(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None


class ChineseInt(_Parsed, IntegerField):
    convert, message = int, "请填写整数"


class ChineseFloat(_Parsed, FloatField):
    convert, message = float, "请填写数字"


class ChineseDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("日期格式不对，请写成 2001-07-01") from None


class ChineseSelect(SelectField):
    """A select whose "not one of the choices" speaks Chinese (WTForms: "Not a valid choice")."""

    def pre_validate(self, form):
        if self.validate_choice and self.choices is not None:
            values = {str(choice[0]) for choice in self.iter_choices()}
            if str(self.data) not in values:
                raise ValidationError("请从列表中选择")
