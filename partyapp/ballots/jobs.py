"""No periodic work: a round is tallied when its feature closes it."""
