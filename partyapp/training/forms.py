"""Forms of the training feature; the services check the ranges."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..fields import ChineseDateField, ChineseFloat, ChineseSelect
from .models import TrainingKind
from .services import PLACE_MAX, PROVIDER_MAX, TITLE_MAX


class SessionForm(FlaskForm):
    kind = ChineseSelect("培训类别", choices=[SelectChoice(k, v)
                                         for k, v in TrainingKind.LABELS.items()])
    title = StringField("培训名称", validators=[InputRequired("请填写培训名称"),
                                               Length(max=TITLE_MAX, message=f"最多{TITLE_MAX}个字")])
    starts_on = ChineseDateField("开始日期", validators=[InputRequired("请填写日期")])
    days = ChineseFloat("天数", validators=[InputRequired("请填写天数")], default=1)
    hours = ChineseFloat("学时", validators=[InputRequired("请填写学时")], default=8)
    place = StringField("地点", validators=[Length(max=PLACE_MAX, message=f"最多{PLACE_MAX}个字")])


class RecordForm(FlaskForm):
    person_id = ChineseSelect("党员", choices=[], coerce=str)
    title = StringField("培训名称", validators=[InputRequired("请填写培训名称"),
                                               Length(max=TITLE_MAX, message=f"最多{TITLE_MAX}个字")])
    provider = StringField("举办单位", validators=[
        Length(max=PROVIDER_MAX, message=f"最多{PROVIDER_MAX}个字")],
        description="例如 县委党校、网络党校")
    started_on = ChineseDateField("开始日期", validators=[InputRequired("请填写日期")])
    days = ChineseFloat("天数", validators=[InputRequired("请填写天数")], default=1)
    hours = ChineseFloat("学时", validators=[InputRequired("请填写学时")], default=8)
    rotation = BooleanField("这是支部书记轮训")
