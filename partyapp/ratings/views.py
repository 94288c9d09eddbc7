"""Routes of the ratings feature."""
from . import bp  # noqa: F401
