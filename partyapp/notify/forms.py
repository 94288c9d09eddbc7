"""The inbox has no forms of its own (mark-read is a CSRF-protected POST)."""
