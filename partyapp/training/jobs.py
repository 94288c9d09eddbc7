"""Clock jobs of the training feature (idempotent: a unique row per person and year)."""
from ..features import Job
from .services import send_year_end_reminders

JOBS = [Job("training-year-end", send_year_end_reminders, minutes=60)]
