"""No periodic work: a notice is final once its period is over, computed from the clock."""
