"""Forms of the town feature."""
