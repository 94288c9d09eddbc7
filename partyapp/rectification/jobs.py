"""Clock jobs of the 整改清单 (idempotent: each reminder is claimed by a conditional UPDATE)."""
from ..features import Job
from .services import send_reminders

JOBS = [Job("rectification-reminders", send_reminders, minutes=60)]
