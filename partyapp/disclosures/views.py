"""Routes of the disclosures feature."""
from . import bp  # noqa: F401
