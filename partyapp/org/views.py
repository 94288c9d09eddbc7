"""Roster (花名册), people and the audit trail of a branch."""
from . import bp  # noqa: F401
