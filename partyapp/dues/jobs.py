"""Clock jobs of the 党费 feature (each idempotent: a conditional insert claims the work)."""
from ..features import Job
from .services import open_month, send_arrears_reminders

JOBS = [Job("dues-open-month", open_month, minutes=60),
        Job("dues-arrears-reminders", send_arrears_reminders, minutes=60)]
