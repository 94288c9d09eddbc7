"""The ballot service has no pages of its own: each feature shows its rounds and ballots on
its own pages and reaches this one through ballots.services."""
