"""Rules of the disclosures feature, as plain functions."""
