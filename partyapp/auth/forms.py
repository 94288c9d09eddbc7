from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from . import passwords


class LoginForm(FlaskForm):
    phone = StringField("手机号", validators=[DataRequired("请填写手机号"), Length(max=20, message="手机号最多20位")],
                        render_kw={"autocomplete": "username", "inputmode": "tel"})
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=128, message="密码最多128位")],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("在这台手机上保持登录", default=True)


class SetPasswordForm(FlaskForm):
    password = PasswordField("设置密码", validators=[
        DataRequired("请设置密码"), Length(min=6, max=128, message="密码长度为6到128位")],
        render_kw={"autocomplete": "new-password"})
    def __init__(self, *args, phone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone = phone

    def validate_password(self, field):
        problem = passwords.problem(field.data or "", self.phone)
        if problem:
            raise ValidationError(problem)

    confirm = PasswordField("再输入一次", validators=[
        DataRequired("请再输入一次密码"), EqualTo("password", message="两次输入的密码不一致")],
        render_kw={"autocomplete": "new-password"})


class LoginLinkForm(FlaskForm):
    """One button: a one-time log-in link is used by a POST, never by opening it."""


class WechatUnbindForm(FlaskForm):
    """我的 → 解除微信绑定 (only the CSRF token)."""
