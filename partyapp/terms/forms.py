"""Forms of the terms feature."""
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, NumberRange

from ..fields import ChineseDateField, ChineseInt
from .services import MAX_YEARS


class TermForm(FlaskForm):
    started_on = ChineseDateField("本届开始日期（换届选举日）",
                                  validators=[InputRequired("请填写本届开始日期")])
    years = ChineseInt("任期（年）", validators=[
        InputRequired("请填写任期"),
        NumberRange(1, MAX_YEARS, message=f"任期请填1到{MAX_YEARS}年")],
        description="村（社区）党组织默认5年")
