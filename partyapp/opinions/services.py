"""Rules of the opinions feature, as plain functions."""
