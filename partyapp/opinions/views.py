"""Routes of the opinions feature."""
from . import bp  # noqa: F401
