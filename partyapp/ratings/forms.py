"""Forms of the ratings feature."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..fields import REQUIRED, ChineseFloat, ChineseInt


class EntryForm(FlaskForm):
    position = SelectField("评分项", coerce=int, validators=[InputRequired(REQUIRED)])
    points = ChineseInt("分值", validators=[InputRequired(REQUIRED),
                                          NumberRange(1, 100, "分值应为 1 到 100")])
    reason = StringField("理由", validators=[DataRequired(REQUIRED), Length(max=200)])


class HoursForm(FlaskForm):
    served_on = DateField("服务日期", validators=[DataRequired("请选择日期")])
    hours = ChineseFloat("时长（小时）", validators=[InputRequired(REQUIRED),
                                                  NumberRange(0.5, 24, "时长应为 0.5 到 24 小时")])
    description = StringField("服务内容", validators=[DataRequired(REQUIRED), Length(max=200)])


class ExemptionForm(FlaskForm):
    position = SelectField("免于考核的项目", coerce=int, validators=[InputRequired(REQUIRED)])
    decision_text = StringField("支部决定（如：年老体弱，经支委会决定免于考核）",
                                validators=[DataRequired(REQUIRED), Length(max=200)])
    decided_on = DateField("决定日期", validators=[DataRequired("请选择日期")])


class RevokeForm(FlaskForm):
    reason = StringField("撤销理由", validators=[DataRequired(REQUIRED), Length(max=200)])


class RoundForm(FlaskForm):
    year = ChineseInt("年份", validators=[InputRequired(REQUIRED), NumberRange(2000, 2100)])
    quarter = SelectField("季度", coerce=int,
                          choices=[SelectChoice(q, f"第{q}季度") for q in (1, 2, 3, 4)])


class PublishForm(FlaskForm):
    year = ChineseInt("年份", validators=[InputRequired(REQUIRED), NumberRange(2000, 2100)])
    notice_days = ChineseInt("公示期（工作日）", default=5,
                             validators=[InputRequired(REQUIRED),
                                         NumberRange(1, 30, "应为 1 到 30 个工作日")])


class ObjectionForm(FlaskForm):
    reason = TextAreaField("异议理由", validators=[DataRequired(REQUIRED), Length(max=1000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField("答复", validators=[DataRequired(REQUIRED), Length(max=1000)])
