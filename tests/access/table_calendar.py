"""The working-day calendar's routes: who may use them."""
from .rules import EVERYONE, Access

TOWN_ADMINS = frozenset({"town_admin", "other_town_admin"})  # the calendar is national

ROUTES = {
    "calendar.admin": Access(TOWN_ADMINS),
    # The page's old address under the opinion box: a redirect for everyone (308), the page
    # itself then decides.
    "calendar.old_address": Access(EVERYONE),
}
