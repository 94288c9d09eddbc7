"""Rules of the town feature, as plain functions."""
