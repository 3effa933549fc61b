"""Labels: the label catalogue, the conversations written about a label, and parsing answers back to labels."""
