"""The library values the shard writer imports, and the copies kept for older libraries, are equal."""

from __future__ import annotations

import datasets.config
import pyarrow.parquet as pq
import pytest

from cat_breeds_vlm import _compat
from cat_breeds_vlm.features import make_features
from cat_breeds_vlm.pipeline.shards import parquet_options


def test_the_cdc_copy_is_datasets_own():
    if not hasattr(datasets.config, "DEFAULT_CDC_OPTIONS"):
        pytest.skip("this datasets has no DEFAULT_CDC_OPTIONS: the copy is what is used")
    assert _compat._CDC_OPTIONS == datasets.config.DEFAULT_CDC_OPTIONS
    assert _compat.cdc_options() is datasets.config.DEFAULT_CDC_OPTIONS


def test_the_column_options_copy_gives_what_datasets_gives():
    features = make_features(["Bengal", "Persian"])
    schema = features.arrow_schema
    copied = _compat._column_options(features, schema)
    assert copied == _compat.parquet_column_options(features, schema)
    # the image's leaves are stored plain and uncompressed, every other leaf snappy with a dictionary
    plain = {"image.bytes", "image.path"}
    assert copied["column_encoding"] == {leaf: "PLAIN" for leaf in sorted(plain)}
    assert {leaf for leaf, codec in copied["compression"].items() if codec == "none"} == plain
    assert "conversations.list.element.value" in copied["use_dictionary"]
    assert not plain & set(copied["use_dictionary"])


def test_a_shard_is_written_with_those_options(tmp_path):
    features = make_features(["Bengal"])
    options = parquet_options(features)
    with pq.ParquetWriter(tmp_path / "x.parquet", features.arrow_schema, **options):
        pass
    assert options["use_content_defined_chunking"] == _compat.cdc_options() and options["write_page_index"]
