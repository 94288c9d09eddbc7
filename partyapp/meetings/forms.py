"""Forms of the meetings feature."""
