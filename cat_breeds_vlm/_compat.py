"""What the oldest supported libraries lack: each a library value imported where the installed
version has it, and a copy of it where it does not.

Each shim names the version that lets it go: when ``pyproject.toml`` requires that version,
delete the copy and import the library's name directly. ``datasets`` is imported inside the
functions, never here: the command line and a build's verification run without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa


#: ``datasets``' content-defined chunking options, as 4.1-5.2 define them.
_CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}


def cdc_options() -> dict[str, int]:
    """The content-defined chunking options ``datasets`` writes Parquet with for the Hub.

    ``datasets.config.DEFAULT_CDC_OPTIONS``; the copy goes when ``datasets>=4.1`` is required.
    """
    try:
        from datasets.config import DEFAULT_CDC_OPTIONS
    except ImportError:  # datasets 4.0
        return _CDC_OPTIONS
    return DEFAULT_CDC_OPTIONS


def parquet_column_options(features: datasets.Features, schema: pa.Schema) -> dict[str, Any]:
    """The per-column ``compression``, ``use_dictionary`` and ``column_encoding`` of
    ``pq.ParquetWriter`` that ``datasets`` writes with: embedded files (image bytes, already
    compressed) plain and uncompressed, so the Hub's storage deduplicates them; the rest snappy
    with dictionaries.

    ``datasets.io.parquet.get_parquet_column_options``; the copy goes when ``datasets>=5.1``
    is required.
    """
    try:
        from datasets.io.parquet import get_parquet_column_options
    except ImportError:  # datasets 4.0 - 5.0
        return _column_options(features, schema)
    return get_parquet_column_options(features, schema)


def _column_options(features: datasets.Features, schema: pa.Schema) -> dict[str, Any]:
    """``datasets`` 5.1's ``get_parquet_column_options``, for older versions."""
    from datasets.features.features import require_storage_embed

    compression: dict[str, str] = {}
    use_dictionary: list[str] = []
    column_encoding: dict[str, str] = {}
    for field in schema:
        embed = require_storage_embed(features[field.name])
        for leaf in _leaf_paths(field.name, field.type):
            compression[leaf] = "none" if embed else "snappy"
            if embed:
                column_encoding[leaf] = "PLAIN"
            else:
                use_dictionary.append(leaf)
    return {"compression": compression, "use_dictionary": use_dictionary, "column_encoding": column_encoding}


def _leaf_paths(path: str, kind: pa.DataType) -> list[str]:
    """The Parquet leaf column paths of an Arrow field (``conversations.list.element.from``, ...)."""
    import pyarrow as pa

    if isinstance(kind, pa.ExtensionType):
        kind = kind.storage_type
    if pa.types.is_struct(kind):
        return [leaf for field in kind for leaf in _leaf_paths(f"{path}.{field.name}", field.type)]
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _leaf_paths(f"{path}.list.element", kind.value_type)
    return [path]
