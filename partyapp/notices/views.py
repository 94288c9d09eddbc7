"""公示 has no pages of its own: the feature that publishes shows its notice, objections and
answers on its own pages through notices.services."""
