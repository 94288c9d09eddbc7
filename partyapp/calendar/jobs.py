"""The calendar has no periodic work: years are entered by a town admin (see services)."""
JOBS: tuple = ()
