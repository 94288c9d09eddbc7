"""Clock jobs of the yearly loop (idempotent: each reminder is claimed by a conditional UPDATE)."""
from ..features import Job
from .services import send_reminders

JOBS = [Job("yearly-consolidation-reminders", send_reminders, minutes=60)]
