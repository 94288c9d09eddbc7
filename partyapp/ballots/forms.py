"""No forms: ballots are filled in on the pages of the feature that runs the round."""
