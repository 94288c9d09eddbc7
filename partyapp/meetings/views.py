"""Routes of the meetings feature."""
from . import bp  # noqa: F401
