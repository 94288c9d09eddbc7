"""Forms of the town's yearly loop (the services check lengths and rights again)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .services import MAX_NAME, MAX_TEXT

_LONG = Length(max=MAX_TEXT, message=f"最多 {MAX_TEXT} 个字")


class AssessForm(FlaskForm):
    position = BooleanField("党群服务阵地规范、开放")
    position_evidence = TextAreaField("佐证材料", validators=[Optional(), _LONG])
    satisfaction = BooleanField("群众满意度测评达到满意")
    satisfaction_evidence = TextAreaField("佐证材料", validators=[Optional(), _LONG])


class ConfirmForm(FlaskForm):
    """A button that only needs CSRF (公示, 确定结果)."""


class ListForm(FlaskForm):
    branch_id = SelectField("支部", coerce=int, validate_choice=False,
                            validators=[InputRequired("请选择支部")])
    reason = TextAreaField("列入理由（镇党委研究决定）", validators=[DataRequired("请写明理由"), _LONG])
    problems = TextAreaField("存在的问题", validators=[DataRequired("请写明问题"), _LONG])
    measures = TextAreaField("整顿措施", validators=[DataRequired("请写明措施"), _LONG])
    leader_id = SelectField("包村/挂点领导", coerce=int, validate_choice=False,
                            validators=[Optional()])
    first_secretary = StringField("第一书记（没有可不填）",
                                  validators=[Optional(), Length(max=MAX_NAME)])
    due_on = DateField("整顿时限", validators=[DataRequired("请选择整顿时限（年-月-日）")])


class TextForm(FlaskForm):
    text = TextAreaField("内容", validators=[DataRequired("请填写内容"), _LONG])


class LinkForm(FlaskForm):
    person_id = SelectField("镇领导", coerce=int, validate_choice=False,
                            validators=[InputRequired("请选择镇领导")])
    branch_id = SelectField("村", coerce=int, validate_choice=False,
                            validators=[InputRequired("请选择村")])
    linked = SelectField("操作", choices=[SelectChoice("1", "设为挂点"), SelectChoice("0", "取消挂点")])


class JudgementForm(FlaskForm):
    figures = TextAreaField("研判情况（数据说明了什么）", validators=[DataRequired("请填写研判情况"), _LONG])
    actions = TextAreaField("下一步措施", validators=[DataRequired("请填写下一步措施"), _LONG])


class ReserveForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=MAX_NAME)])
    note = TextAreaField("推荐理由", validators=[DataRequired("请写明推荐理由"), _LONG])


class DecideForm(FlaskForm):
    selected = SelectField("镇党委意见", choices=[SelectChoice("1", "选定"), SelectChoice("0", "不选定")])
