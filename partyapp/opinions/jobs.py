"""Clock jobs of the opinions feature: the sweep (opinions/sweep.py commits its own work)."""
from ..features import Job
from .sweep import SWEEP_LOCK_KEY, sweep  # noqa: F401  (tests and bench/ run the sweep from here)

JOBS = [Job("opinions-sweep", sweep, minutes=5)]
