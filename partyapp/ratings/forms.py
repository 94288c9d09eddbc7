"""Forms of the ratings feature."""
