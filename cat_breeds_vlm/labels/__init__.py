"""Labels: the domains (a subject's words and sentence patterns as data: ``domains/*.toml``),
the label catalogue (data: ``domains/cats.csv``, and users' label files in its format), the
conversations written about a label, and parsing answers back to labels."""
