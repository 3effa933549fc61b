"""Labels: the label catalogue (data: ``catalog.csv``, and users' label files in its format), the
conversations written about a label, and parsing answers back to labels."""
