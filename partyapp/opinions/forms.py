"""Forms of the opinions feature."""
