"""The build pipeline: scan and verify the photos, find near-duplicates, plan the splits, write the
shards and the dataset folder (and the ``datasets`` builder over the same functions)."""
