"""Clock jobs of the meetings feature (each idempotent: it claims its work first)."""
from ..features import Job
from .services import send_compliance_reminders, send_day_before_reminders, sweep_pending_scans

JOBS = [
    Job("meetings-day-before-reminders", send_day_before_reminders, minutes=15),
    Job("meetings-compliance-reminders", send_compliance_reminders, minutes=60),
    Job("meetings-sweep-pending-scans", sweep_pending_scans, minutes=60),
]
