"""No forms: objections are written on the pages of the feature whose results are shown."""
