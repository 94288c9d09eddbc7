"""Forms of the disclosures feature."""
