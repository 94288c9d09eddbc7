"""Rules for organisations and people, as plain functions."""
