"""Forms for the roster."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import PartyStatus, Role
from .services import EDITABLE_ROLES, PersonData

STATUS_CHOICES = [SelectChoice("", "群众（非党员）"), SelectChoice(PartyStatus.FULL, "正式党员"),
                  SelectChoice(PartyStatus.PROBATIONARY, "预备党员")]


class CheckboxList(SelectMultipleField):
    widget = ListWidget(html_tag="ul", prefix_label=False)
    option_widget = CheckboxInput()


class ChineseDateField(DateField):
    """A date field whose parse error speaks Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("日期格式不对，请写成 2001-07-01") from None


class PersonForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名"),
                                          Length(max=40, message="姓名最多40个字")])
    phone = StringField("手机号", validators=[DataRequired("请填写手机号"),
                                           Length(max=20, message="手机号最多20位")],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    party_status = SelectField("党员身份", choices=STATUS_CHOICES, default="")
    joined_party_on = ChineseDateField("入党日期", validators=[Optional()],
                                description="党员必填，例如 2001-07-01")
    group_id = SelectField("党小组", choices=[], coerce=str, default="")
    villager_rep = BooleanField("村民代表")
    roles = CheckboxList("职务（可多选）", choices=[SelectChoice(r, Role.LABELS[r]) for r in EDITABLE_ROLES],
                         validate_choice=True)
    committee_post = StringField("两委职务", validators=[Length(max=40, message="最多40个字")],
                                 description="两委成员填写，例如 村委会主任、村委会委员")

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice("", "不分党小组")] + [
            SelectChoice(str(g.id), g.name) for g in groups]

    def to_data(self) -> PersonData:
        group = self.group_id.data
        return PersonData(
            name=(self.name.data or "").strip(), phone=self.phone.data or "",
            party_status=self.party_status.data or None, joined_party_on=self.joined_party_on.data,
            villager_rep=bool(self.villager_rep.data),
            group_id=int(group) if group and group.isdigit() else None,
            roles=tuple(self.roles.data or ()),
            committee_post=(self.committee_post.data or "").strip() or None)

    def fill_from(self, entry) -> None:
        person = entry.person
        self.name.data, self.phone.data = person.name, person.phone
        self.party_status.data = person.party_status or ""
        self.joined_party_on.data = person.joined_party_on
        self.villager_rep.data = person.is_villager_rep
        self.group_id.data = str(entry.group.id) if entry.group else ""
        self.roles.data = [m.role for m in entry.memberships if m.role in EDITABLE_ROLES]
        self.committee_post.data = next(
            (m.post for m in entry.memberships if m.role == Role.COMMITTEE and m.post), "")

    def add_problems(self, problems) -> None:
        for field_name, message in problems:
            getattr(self, field_name).errors = list(getattr(self, field_name).errors) + [message]


class ImportForm(FlaskForm):
    file = FileField("花名册 Excel 文件（.xlsx，不超过2MB）",
                     render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument"
                                          ".spreadsheetml.sheet"})
