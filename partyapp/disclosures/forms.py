"""Forms of the disclosures feature."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..fields import REQUIRED, ChineseInt
from .models import Assessment, CommitmentKind, CommitmentStatus, Verdict


NumberField = ChineseInt   # an integer field whose parse error speaks Chinese


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class CommitmentForm(FlaskForm):
    owner_id = SelectField("承诺人", coerce=int, validators=[InputRequired(REQUIRED)])
    kind = SelectField("类别", choices=choices(CommitmentKind.LABELS.items()))
    title = StringField("承诺事项", validators=[DataRequired(REQUIRED), Length(max=120)])
    content = TextAreaField("具体内容和措施", validators=[Optional(), Length(max=2000)])
    baseline = TextAreaField("现状", validators=[DataRequired(REQUIRED), Length(max=1000)])
    target = TextAreaField("目标（可衡量）", validators=[DataRequired(REQUIRED), Length(max=1000)],
                           description="写清楚做到什么程度，例如：硬化道路 2.3 公里")
    due_on = DateField("完成期限", validators=[DataRequired("请选择日期")])
    decision_id = SelectField("落实的决策（可不选）", coerce=int, default=0)


class ProgressForm(FlaskForm):
    text = TextAreaField("本次进展", validators=[DataRequired(REQUIRED), Length(max=1000)])
    percent = NumberField("完成百分比", validators=[
        InputRequired("请填写 0 到 100 的数字"), NumberRange(0, 100, "请填写 0 到 100 的数字")])
    status = SelectField("状态", choices=choices(CommitmentStatus.LABELS.items()),
                         description="已兑现、部分兑现、未兑现由书记记录（书记本人的承诺由镇党委记录）")
    photo = FileField("照片（可不传，JPG/PNG，8MB 以内）",
                      render_kw={"accept": "image/jpeg,image/png,image/webp",
                                 "data-max-bytes": 8 * 1024 * 1024})  # = photos.MAX_BYTES


class AssessmentForm(FlaskForm):
    kind = SelectField("类型", choices=choices(Assessment.KIND_LABELS.items()))
    period = NumberField("年度（任期评定填任期最后一年）", validators=[
        InputRequired("请填写年份"), NumberRange(2000, 2100, "年份不正确")])
    verdict = SelectField("结论", choices=choices(Verdict.LABELS.items()))
    reasons = TextAreaField("理由", validators=[DataRequired(REQUIRED), Length(max=1000)])


class DecisionForm(FlaskForm):
    procedure = SelectField("决策程序")
    title = StringField("事项名称", validators=[DataRequired(REQUIRED), Length(max=120)])
    summary = TextAreaField("事项说明（公开）", validators=[Optional(), Length(max=2000)])


_COUNT = [Optional(), NumberRange(0, 100000, "请填写正确的人数")]


class StepForm(FlaskForm):
    held_on = DateField("日期", validators=[DataRequired("请选择日期")])
    # Choices are the branch's recent meetings (set by the view); 0 means "not linked".
    meeting_id = SelectField("关联会议（应到、实到按签到记录自动计算）", coerce=int, default=0,
                             validate_choice=True)
    expected = NumberField("应到人数", validators=_COUNT)
    present = NumberField("实到人数", validators=_COUNT)
    votes_for = NumberField("赞成", validators=_COUNT)
    votes_against = NumberField("反对", validators=_COUNT)
    votes_abstain = NumberField("弃权", validators=_COUNT)
    public_text = TextAreaField("公开内容（村民可见）", validators=[Optional(), Length(max=2000)])
    minutes = TextAreaField("内部记录（不公开）", validators=[Optional(), Length(max=5000)])


class PlainForm(FlaskForm):
    """Only the CSRF token (buttons, and the review ballot whose fields are built per round)."""
