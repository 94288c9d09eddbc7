"""Forms for the roster."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..fields import ChineseDateField
from ..models import OrgKind, PartyStatus, PersonStatus, Role
from .services import EDITABLE_ROLES, PersonData

STATUS_CHOICES = [SelectChoice("", "群众（非党员）"), SelectChoice(PartyStatus.FULL, "正式党员"),
                  SelectChoice(PartyStatus.PROBATIONARY, "预备党员")]


class CheckboxList(SelectMultipleField):
    widget = ListWidget(html_tag="ul", prefix_label=False)
    option_widget = CheckboxInput()




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
            group_id=int(group) if group and (group.isascii() and group.isdigit()) else None,
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


# ---- the town admin's forms ---------------------------------------------------------------
class RenameForm(FlaskForm):
    """Name, village and public address of an organisation."""

    name = StringField("名称", validators=[DataRequired("请填写名称"),
                                          Length(max=80, message="名称最多80个字")],
                       description="例如 东湖村党支部、第三党小组")
    village_name = StringField("村（社区）", validators=[Length(max=80, message="最多80个字")],
                               description="支部所在的村或社区；党小组不填")
    slug = StringField("公开页网址名", validators=[Length(max=40, message="最多40个字符")],
                       description="小写字母，例如 donghu（公开页地址 /v/donghu/）")

    def to_data(self, kind=None):
        from .structure import OrgData

        return OrgData(kind=kind, name=(self.name.data or "").strip(),
                       village_name=(self.village_name.data or "").strip() or None,
                       slug=(self.slug.data or "").strip().lower() or None)

    def add_problems(self, problems) -> None:
        for field_name, message in problems:
            getattr(self, field_name).errors = list(getattr(self, field_name).errors) + [message]


class OrgForm(RenameForm):
    """A new organisation under a parent of the town."""

    parent_id = SelectField("上级组织", choices=[], coerce=str)
    kind = SelectField("类型", choices=[SelectChoice(k, OrgKind.LABELS[k]) for k in
                                        (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GROUP)])

    def set_parents(self, tree):
        self.parent_id.choices = [SelectChoice(str(org.id), "　" * depth + org.name)
                                  for org, depth in tree if org.kind != OrgKind.GROUP]

    def to_data(self, kind=None):
        return super().to_data(kind=kind or self.kind.data)


class TransferForm(FlaskForm):
    target = SelectField("转到", choices=[], coerce=str)
    on = ChineseDateField("转接日期", validators=[DataRequired("请填写日期")])

    def set_targets(self, tree):
        self.target.choices = [SelectChoice("out", "转出本镇（账号停用）")] + [
            SelectChoice(str(org.id), "　" * depth + org.name) for org, depth in tree
            if org.kind != OrgKind.TOWN]


class StatusForm(FlaskForm):
    status = SelectField("状态", choices=[SelectChoice("", "在村（正常）"),
                                          SelectChoice(PersonStatus.MOBILE, "流动党员（外出）"),
                                          SelectChoice(PersonStatus.DECEASED, "已去世")])
    on = ChineseDateField("日期", validators=[DataRequired("请填写日期")])


COMMITTEE_SLOTS = 5


class TermForm(FlaskForm):
    """换届: the newly elected officers, chosen from the branch's people."""

    on = ChineseDateField("换届日期", validators=[DataRequired("请填写换届日期")])
    secretary = SelectField("书记", choices=[], coerce=str, default="")
    deputy = SelectField("副书记", choices=[], coerce=str, default="")
    organizer = SelectField("组织委员", choices=[], coerce=str, default="")
    recorder = SelectField("记录人", choices=[], coerce=str, default="")

    def set_people(self, people):
        choices = [SelectChoice("", "（空缺）")] + [
            SelectChoice(str(p.id), f"{p.name}（{p.phone[-4:]}）") for p in people]
        for name in ("secretary", "deputy", "organizer", "recorder"):
            getattr(self, name).choices = choices
        self.people_choices = choices

    def officer_ids(self) -> dict:
        def pick(value):
            return int(value) if value and (value.isascii() and value.isdigit()) else None

        return {Role.SECRETARY: pick(self.secretary.data),
                Role.DEPUTY_SECRETARY: pick(self.deputy.data),
                Role.ORGANIZER: pick(self.organizer.data), Role.RECORDER: pick(self.recorder.data)}


class RobotForm(FlaskForm):
    """The branch's WeCom group robot (企业微信群机器人): meeting notices, the opinion box's
    daily digest and escalations are posted to the branch's own group."""

    webhook = StringField("群机器人地址（Webhook）", validators=[Optional(), Length(max=255)],
                          description="在企业微信群里添加“群机器人”，复制它的 Webhook 地址粘贴到这里。"
                                      "留空则不发到群里。")
