"""Clock jobs of the terms feature (idempotent: each reminder is claimed by a unique row)."""
from ..features import Job
from .services import send_term_reminders

JOBS = [Job("terms-reminders", send_term_reminders, minutes=60)]
