"""Clock jobs of the auth feature (idempotent: plain deletes of what can no longer be used)."""
from ..features import Job
from .services import sweep_logins

JOBS = [Job("auth-sweep-logins", sweep_logins, minutes=60)]
