from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange


class ReviewForm(FlaskForm):
    year = IntegerField("年度", validators=[DataRequired(message="请填写年度"),
                                          NumberRange(2000, 2100, message="年份不正确")])
