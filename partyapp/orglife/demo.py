"""Demo rows of 民主评议党员: none yet (the demo review of 东湖村 is still to be written)."""


def seed(ctx) -> None:
    return None
