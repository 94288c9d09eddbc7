"""Forms of the opinion box. Lengths are checked here and again in the services."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import CATEGORIES, Channel, Rating
from .photos import MAX_PHOTO_BYTES, MAX_PHOTOS
from .services import CONTENT_MAX, CONTENT_MIN, REPLY_MAX


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


_CATEGORY_CHOICES = choices((c, c) for c in CATEGORIES)
NOT_ON_DEVICE_HINT = ("家人共用的手机，或请村干部用他的手机帮您提交时，请勾选："
                      "这部手机的“查我的意见”里就不会留下这条意见。")


class OpinionForm(FlaskForm):
    category = SelectField("意见类别", choices=_CATEGORY_CHOICES,
                           validators=[DataRequired("请选择意见类别")])
    content = TextAreaField("您的意见或建议", validators=[
        DataRequired("请填写意见内容"),
        Length(min=CONTENT_MIN, max=CONTENT_MAX,
               message=f"意见内容请写{CONTENT_MIN}到{CONTENT_MAX}个字")],
        render_kw={"rows": 6, "maxlength": CONTENT_MAX})
    name = StringField("您的称呼（可不填）", validators=[Optional(), Length(max=40)],
                       description="只给村两委看，绝不公开。")
    phone = StringField("手机号（可不填）", validators=[Optional(), Length(max=20)],
                        description="只用于找回查询链接和告知答复，绝不公开。",
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    public_allowed = BooleanField("同意在村务公开栏公开意见内容（不含姓名和电话）", default=True)
    photos = MultipleFileField("照片（可不传，最多3张）",
                               render_kw={"accept": "image/jpeg,image/png,image/webp",
                                          # static/app.js refuses bigger photos before upload
                                          "data-max-bytes": MAX_PHOTO_BYTES,
                                          "data-max-count": MAX_PHOTOS})
    # Honeypot: hidden from people by CSS; bots fill every field.
    website = StringField("网址", render_kw={"autocomplete": "off", "tabindex": "-1"})
    not_on_device = BooleanField("不在本机保存", description=NOT_ON_DEVICE_HINT)


class StaffOpinionForm(OpinionForm):
    channel = SelectField("收到方式",
                          choices=choices((c, Channel.LABELS[c]) for c in Channel.STAFF))
    received_on = DateField("收到日期", validators=[DataRequired("请填写收到日期")])
    received_time = TimeField("收到时间（可不填）", validators=[Optional()])


class ReplyForm(FlaskForm):
    text = TextAreaField("解释答复", validators=[
        DataRequired("请填写答复内容"), Length(min=2, max=REPLY_MAX)], render_kw={"rows": 6})
    visibility = RadioField("答复是否公开", choices=choices([
        ("public", "公开答复（在村务公开栏显示）"),
        ("private", "个人事项，只给提意见的群众看；公开栏只显示摘要")]), default="public")
    summary = StringField("公开的办理情况摘要（不公开答复时必填）",
                          validators=[Optional(), Length(max=200)])


class AssignForm(FlaskForm):
    person_id = SelectField("交给谁办理", coerce=int)
    note = StringField("说明（可不填）", validators=[Optional(), Length(max=200)])


class RateForm(FlaskForm):
    rating = RadioField("您对答复满意吗？", choices=choices(Rating.LABELS.items()),
                        validators=[DataRequired("请选择")])


class ForgetForm(FlaskForm):
    """查我的意见 → 从本机删除: one kept link (by its 意见编号), or "all" of them."""
    which = StringField("删除哪一条", validators=[DataRequired(), Length(max=12)])


class FindForm(FlaskForm):
    reference = StringField("意见编号", validators=[DataRequired("请填写意见编号"),
                                                  Length(max=20)],
                            render_kw={"inputmode": "numeric"})
    phone = StringField("提交时留的手机号", validators=[DataRequired("请填写手机号"),
                                                     Length(max=20)],
                        render_kw={"inputmode": "tel"})
    not_on_device = BooleanField("不在本机保存", description=NOT_ON_DEVICE_HINT)


