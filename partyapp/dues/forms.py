"""Forms of the 党费 feature. Amounts are typed in 元 and checked by the services."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..fields import ChineseDateField, ChineseSelect
from .models import DuesCategory
from .services import NOTE_KINDS, NOTE_MAX, PAY_WAYS


class CheckboxList(SelectMultipleField):
    widget = ListWidget(html_tag="ul", prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    category = ChineseSelect("党员类别", choices=[SelectChoice(k, v)
                                            for k, v in DuesCategory.LABELS.items()])
    base = StringField("交纳基数（元/月）", validators=[Length(max=20, message="太长了")],
                       description="在职党员填每月工资收入（税后），离退休党员填每月离退休费")
    fixed = StringField("每月固定交纳（元）", validators=[Length(max=20, message="太长了")],
                        description="农民党员和其他党员填写，默认每月0.2到2元")


class PaymentForm(FlaskForm):
    months = CheckboxList("交的是哪几个月", choices=[], validate_choice=False)
    paid_on = ChineseDateField("交纳日期", validators=[InputRequired("请填写交纳日期")])
    how = ChineseSelect("交纳方式", choices=[SelectChoice(k, v) for k, v in PAY_WAYS.items()])
    approved = BooleanField("已经支部同意一次交多个月")


class DueForm(FlaskForm):
    due = StringField("本月应交（元）", validators=[InputRequired("请填写应交金额"),
                                                   Length(max=20, message="太长了")])


class NoteForm(FlaskForm):
    kind = ChineseSelect("记录什么", choices=[SelectChoice(k, v) for k, v in NOTE_KINDS.items()])
    text = TextAreaField("谈话情况 / 支部决定", validators=[
        InputRequired("请写下谈话情况或支部的决定"),
        Length(max=NOTE_MAX, message=f"最多{NOTE_MAX}个字")])
