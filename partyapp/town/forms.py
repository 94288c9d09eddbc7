"""Forms of the town feature."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .services import NOTE_MAX


class NoteForm(FlaskForm):
    text = TextAreaField("督办意见", validators=[DataRequired("请填写督办意见。"),
                                              Length(2, NOTE_MAX, f"请写 2 到 {NOTE_MAX} 个字。")])
