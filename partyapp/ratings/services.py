"""Rules of the ratings feature, as plain functions."""
