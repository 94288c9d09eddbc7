"""Routes of the town feature."""
from . import bp  # noqa: F401
