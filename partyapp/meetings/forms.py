"""Forms of the meetings feature."""
from flask_wtf import FlaskForm
from wtforms import (DateField, FloatField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (ValidationError, DataRequired, InputRequired, Length, NumberRange, Optional)
from wtforms.widgets import CheckboxInput, ListWidget

from .models import Circle, LeaveType


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(FlaskForm):
    org_id = SelectField("开会的组织", coerce=int, validators=[InputRequired("请选择组织")])
    kind_ids = CheckboxList("会议类型（可多选，如主题党日同时上党课）", coerce=int,
                            validators=[DataRequired("请至少选一种会议类型")])
    topic = StringField("会议主题", validators=[DataRequired("请填写会议主题"), Length(max=120)])
    day = DateField("日期", validators=[DataRequired("请选择日期")])
    start = TimeField("开始时间", validators=[DataRequired("请填写开始时间")])
    end = TimeField("结束时间", validators=[DataRequired("请填写结束时间")])
    place = StringField("地点", validators=[Optional(), Length(max=120)])
    # People are checked by services.plan_problems (whole branch, or a group leader's own
    # group), which says in Chinese who is outside; the choice lists only offer them.
    host_id = SelectField("主持人", coerce=int, validators=[Optional()], validate_choice=False)
    recorder_id = SelectField("记录人", coerce=int, validators=[Optional()],
                              validate_choice=False)
    attendee_ids = CheckboxList("只请以下人员参加（不选则为这类会议的应到人员）", coerce=int,
                                validators=[Optional()], validate_choice=False)
    lat = FloatField("纬度", validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField("经度", validators=[Optional(), NumberRange(-180, 180)])
    checkin_opens_minutes = IntegerField("提前多少分钟开放签到", default=30,
                                         validators=[InputRequired(), NumberRange(0, 240)])
    late_after_minutes = IntegerField("开始后多少分钟算迟到", default=10,
                                      validators=[InputRequired(), NumberRange(0, 120)])

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError("结束时间要晚于开始时间")


class MoveForm(FlaskForm):
    day = DateField("日期", validators=[DataRequired("请选择日期")])
    start = TimeField("开始时间", validators=[DataRequired("请填写开始时间")])
    end = TimeField("结束时间", validators=[DataRequired("请填写结束时间")])
    place = StringField("地点", validators=[Optional(), Length(max=120)])

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError("结束时间要晚于开始时间")


class CancelForm(FlaskForm):
    reason = StringField("取消原因", validators=[Optional(), Length(max=200)])


class LeaveForm(FlaskForm):
    leave_type = SelectField("请假类型", choices=[SelectChoice(value, label)
                                                  for value, label in LeaveType.LABELS.items()],
                             validators=[InputRequired()])
    reason = StringField("请假原因", validators=[DataRequired("请写明原因"), Length(max=200)])


class DecideForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])


class MinutesForm(FlaskForm):
    minutes = TextAreaField("会议记录", validators=[DataRequired("请填写会议记录"),
                                                 Length(max=20000)])


class CodeForm(FlaskForm):
    code = StringField("个人签到码", validators=[DataRequired("请输入签到码"), Length(max=40)])


class ManualForm(FlaskForm):
    person_id = IntegerField(validators=[InputRequired()])


class PositionForm(FlaskForm):
    lat = FloatField(validators=[InputRequired(), NumberRange(-90, 90)])
    lng = FloatField(validators=[InputRequired(), NumberRange(-180, 180)])


class KindForm(FlaskForm):
    period = SelectField("频次", choices=[SelectChoice("week", "每周"), SelectChoice("month", "每月"),
                                        SelectChoice("quarter", "每季度"), SelectChoice("", "不定期")])
    min_per_period = IntegerField("每期至少几次", validators=[InputRequired(), NumberRange(0, 10)])
    active = SelectField("启用", choices=[SelectChoice("1", "启用"), SelectChoice("0", "停用")])
    # Unknown or missing: the kind keeps its circle (services.update_kind).
    circle = SelectField("应到人员", choices=[SelectChoice(value, label)
                                          for value, label in Circle.LABELS.items()],
                         validate_choice=False)


class ExemptionForm(FlaskForm):
    person_id = SelectField("党员", coerce=int, validators=[InputRequired("请选择党员")],
                            validate_choice=False)   # exemption_problem: 本支部的党员
    starts_on = DateField("开始日期", validators=[DataRequired("请填写开始日期")])
    ends_on = DateField("结束日期", validators=[DataRequired("请填写结束日期")])
    reason = StringField("原因（如：长期卧床；在外地务工的流动党员）",
                         validators=[DataRequired("请写明原因"), Length(max=200)])
