"""Forms for the roster."""
