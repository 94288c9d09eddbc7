"""The clock process's work for disclosures: 一月一督查 (ask each owner once a month)."""
from ..features import Job
from .commitments import ask_for_progress

JOBS = [Job("disclosures-monthly-ask", ask_for_progress, minutes=60)]
