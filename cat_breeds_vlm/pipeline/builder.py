"""``CatBreedsVLM``: the ``datasets.GeneratorBasedBuilder`` over an image folder.

Thin on purpose, like ``datasets``' own ``imagefolder``: the work is in
:mod:`~cat_breeds_vlm.pipeline.stages` (scan, verify, plan) and :func:`~cat_breeds_vlm.pipeline.shards.make_record`.

    >>> b = CatBreedsVLM(data_dir="data/images", seed=42)
    >>> b.download_and_prepare()
    >>> ds = b.as_dataset()          # DatasetDict: train, val, test, priority

Constructing a builder lists the image tree and decodes nothing. The labels (the breed folders
with a photo kept) are known once the photos are verified, so, as in ``datasets``'
``FolderBasedBuilder``, the features are set when the splits are made: ``b.info.features`` is
None until ``download_and_prepare`` (or read from the cache, when it holds this build).

The cache directory's hash covers this package's code, the image tree's listing (paths,
sizes, mtimes) and the label file's entries, so a code change, a changed tree or an edited label
file never reuses a stale cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import datasets

from .. import __version__
from ..errors import SettingsError, UserError
from ..features import label_ids, make_features
from ..labels.catalog import Catalog
from ..workers import default_num_proc
from .scan import ScanResult, scan, tree_fingerprint
from .settings import BuildSettings
from .shards import make_record
from .stages import Prepared, prepare

__all__ = ["CatBreedsVLM", "CatBreedsVLMConfig", "SettingsError"]


def code_fingerprint() -> str:
    """A hash of this package's source and data files (domains, catalogues): part of the builder cache key."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]  # the whole package: the wording lives in labels/
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.csv"), *package.rglob("*.toml")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def catalog_fingerprint(catalog: Catalog) -> str:
    """A short hash of a label catalogue's entries: what the rows say of each label."""
    return hashlib.sha256(repr(tuple(catalog.values())).encode()).hexdigest()[:16]


@dataclass
class CatBreedsVLMConfig(BuildSettings, datasets.BuilderConfig):
    """Settings of a build. ``data_dir`` (inherited) is the image folder, ``{breed}/*.jpg``."""

    def __post_init__(self) -> None:
        datasets.BuilderConfig.__post_init__(self)
        self.validate()


class CatBreedsVLM(datasets.GeneratorBasedBuilder):
    """Train / val / test / priority splits of (image, conversations) from ``data_dir/{breed}/*``."""

    BUILDER_CONFIG_CLASS = CatBreedsVLMConfig
    BUILDER_CONFIGS = [CatBreedsVLMConfig(name="default")]
    DEFAULT_CONFIG_NAME = "default"
    VERSION = datasets.Version(__version__)

    def __init__(self, *args, **kwargs) -> None:
        data_dir = kwargs.get("data_dir")
        if not data_dir:
            raise UserError("CatBreedsVLM needs data_dir, the image folder ({breed}/*.jpg)")
        self._scanned: ScanResult = scan(Path(data_dir))  # a listing, for the cache key
        self._own_hash = kwargs.get("hash") is None
        if self._own_hash:
            kwargs["hash"] = f"{code_fingerprint()}-{tree_fingerprint(self._scanned.candidates)}"
        self.prepared: Prepared | None = None
        super().__init__(*args, **kwargs)

    def _create_builder_config(self, *args, **kwargs) -> tuple[CatBreedsVLMConfig, str]:
        """``datasets``' config, checked once: ``datasets`` sets keyword settings on a copy of the
        default config without running its ``__post_init__``, and ``_info`` comes next."""
        config, config_id = super()._create_builder_config(*args, **kwargs)
        config.validate()
        if self._own_hash and config.labels:  # an edited label file changes the wording: a new cache
            self.hash += "-" + catalog_fingerprint(config.catalog)
        if self._own_hash and config.domain:  # so does another domain, or an edited domain file
            self.hash += "-" + hashlib.sha256(config.loaded_domain.text.encode()).hexdigest()[:16]
        return config, config_id

    def _prepare(self) -> Prepared:
        """Verify and plan once: the labels (folders with a photo kept) are known only then."""
        if self.prepared is None:
            self.prepared = prepare(
                Path(self.config.data_dir), self.config, num_proc=default_num_proc(), scanned=self._scanned
            )
        return self.prepared

    def _info(self) -> datasets.DatasetInfo:
        # No features yet: datasets calls this in __init__, before any photo is verified.
        domain = self.config.loaded_domain
        return datasets.DatasetInfo(
            description=f"{domain.noun.capitalize()} photos with {domain.label_word}-naming conversations"
            " for vision-language fine-tuning."
        )

    def _split_generators(self, dl_manager) -> list[datasets.SplitGenerator]:
        prepared = self._prepare()
        self.info.features = make_features(prepared.breeds)
        return [
            datasets.SplitGenerator(name=split, gen_kwargs={"rows": prepared.plan.rows[split]})
            for split in prepared.plan.written_splits
        ]

    def _generate_examples(self, rows):
        labels = label_ids(self._prepare().breeds)
        image_dir = Path(self.config.data_dir)
        for row in rows:
            yield (
                row.id,
                make_record(row, image_dir, self.config.style, labels, self.config.catalog, self.config.loaded_domain),
            )
