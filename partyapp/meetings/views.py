"""Routes of the meetings feature, one module per section, all on the one blueprint
(views_common.bp): views_planning (member pages, plan, publish, move, close, photos, kinds),
views_leave (leave, standing exemptions), views_checkin (the screen and the scan), views_door
(door mode, personal codes), views_ledger (台账 and compliance). Thin: parse, call a service,
render or redirect; services commit."""
from . import views_checkin, views_door, views_leave, views_ledger, views_planning  # noqa: F401
from .views_common import bp  # noqa: F401
