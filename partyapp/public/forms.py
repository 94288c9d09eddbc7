"""The public village page has no forms of its own (the opinion box owns its form)."""
