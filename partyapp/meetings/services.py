"""Rules of the meetings feature, as plain functions."""
