"""The town admin's form for a year's State Council holiday schedule."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class CalendarForm(FlaskForm):
    year = IntegerField("年份", validators=[DataRequired("请填写年份"),
                                          NumberRange(2000, 2100, "年份不对")])
    schedule = TextAreaField("放假和调休安排（每行一天）", validators=[Length(max=12000)],
                             description="例如：2027-01-01 休 元旦　　2027-02-07 班",
                             render_kw={"rows": 12})
    complete = BooleanField("这是国务院办公厅公布的全年完整安排（替换该年已有的安排）",
                            default=True)
