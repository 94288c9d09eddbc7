"""The working-day calendar (节假日安排): its tables, the admin page, `flask calendar-seed`, and
the source clock.py reads entered years from. `localday` turns stored UTC times into China
days inside SQL."""



def feature():
    from .. import clock
    from ..features import Feature
    from . import cli, jobs, models, views  # noqa: F401  (tables and routes exist once loaded)
    from .services import stored_schedule

    return Feature(name="calendar", blueprint=views.bp, jobs=jobs.JOBS, commands=cli.COMMANDS,
                   on_app=lambda app: clock.set_calendar_source(stored_schedule))
