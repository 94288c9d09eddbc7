"""Forms of the 整改清单."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .services import MAX_EVIDENCE, MAX_MEASURES, MAX_PROBLEM


class ItemForm(FlaskForm):
    problem = TextAreaField("存在的问题", validators=[DataRequired("请写明问题"),
                                                   Length(max=MAX_PROBLEM, message=f"最多 {MAX_PROBLEM} 个字")])
    measures = TextAreaField("整改措施", validators=[DataRequired("请写明整改措施"),
                                                  Length(max=MAX_MEASURES, message=f"最多 {MAX_MEASURES} 个字")])
    # The service checks the person belongs to the organisation (and says so in Chinese).
    owner_id = SelectField("责任人", coerce=int, validators=[InputRequired("请选择责任人")],
                           validate_choice=False)
    due_on = DateField("整改时限", validators=[DataRequired("请选择整改时限（年-月-日）")])


class EvidenceForm(FlaskForm):
    text = TextAreaField("整改情况（做了什么、效果如何）",
                         validators=[DataRequired("请写明整改情况"), Length(max=MAX_EVIDENCE, message=f"最多 {MAX_EVIDENCE} 个字")])


class CloseForm(FlaskForm):
    note = TextAreaField("确认意见（可不填）", validators=[Optional(), Length(max=500, message="最多 500 个字")])
