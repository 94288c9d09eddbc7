"""Forms of the main pages (none yet: the care-mode switch is a plain CSRF-protected POST)."""
