"""Build: from an image folder to a Hub-ready dataset folder (scan, verify, plan, rows, shards, folder)."""
