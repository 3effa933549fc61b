"""The settings of a build: each declared once, here, with its default, range, help text and flag.

The command line's options (``build``, ``demo``), the builder config's fields, the checks, the
build report's ``settings``, the echoed command line and the card's settings table all come
from these declarations (:mod:`cat_breeds_vlm.declare`). Each part is a dataclass of its own,
read by the stage it steers (the planner, the quality gate, the near-duplicate search, the
rows' and card's text); :class:`BuildSettings` is all of them at once. Light on purpose (no
``datasets``): the command line imports it at start, and a build verifies before it loads
``datasets``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..declare import CHOICE, FILE, FLAG, INT, NAMES, NUMBER, TEXT, Settings, setting, short_number
from ..labels.catalog import Catalog
from ..labels.conversations import STYLES
from ..report.licence import DEFAULT_LICENSE, license_problem

if TYPE_CHECKING:
    from ..labels.domain import Domain

#: A share of photos: from 0 (none) up to, not including, 1.
_RATIO = {"low": 0, "high": 1, "high_open": True}


@dataclass
class PlanSettings(Settings):
    """The settings that decide the split."""

    seed: int = setting(42, "Seed of the split, the cap and the shuffle.", INT, low=0, high=2**32 - 1)
    val_ratio: float = setting(0.1, "Share of each breed's photos in val.", NUMBER, **_RATIO)
    test_ratio: float = setting(0.1, "Share of each breed's photos in test.", NUMBER, **_RATIO)
    max_per_class: int | None = setting(
        None, "Keep at most N photos per breed (sampled with the seed).", INT, low=1, optional=True
    )
    # None: the domain's default priority labels (see _default_priority)
    priority_breeds: tuple[str, ...] | None = setting(
        None,
        # The cat breeds are not listed here: that would read the domain's file at every
        # `build --help` (docs/building.md lists them).
        "A priority breed (repeat for several). Default: the domain's priority labels (for cats,"
        " the 7 breeds a first classifier never recognised; the build's card lists them).",
        NAMES,
        optional=True,
        flag="--priority",
        metavar="BREED",
    )
    priority_oversample: int = setting(5, "Copies of each priority-breed train photo.", INT, low=1)

    def _check_together(self) -> None:
        super()._check_together()
        if self.priority_breeds is None:  # none given: the domain's, which need not be folders of the tree
            self.priority_breeds = self._default_priority()
            self._priority_by_default = True
        if self.val_ratio + self.test_ratio >= 1:  # some photos must be left for train
            problem = f"must be below 1, got {self.val_ratio} + {self.test_ratio}"
            raise self.refused("val_ratio", "test_ratio", problem=problem)

    def _default_priority(self) -> tuple[str, ...]:
        """The priority labels when none are given: the cat domain's (a build's: its domain's)."""
        from ..labels.domain import default_domain  # here: a command's start reads no domain

        return default_domain().priority

    def is_default(self, name: str) -> bool:
        """As :meth:`Settings.is_default`; the priority labels are default when none were given."""
        if name == "priority_breeds" and getattr(self, "_priority_by_default", False):
            return True
        return super().is_default(name)


def _file_name(path: str | None) -> str | None:
    """A label file as the report records it: its name only (the card never shows a local path)."""
    return Path(path).name if path else None


def _domain_name(spec: str | None) -> str:
    """A domain as the report records it: its name (``cats`` when none is given), never a path."""
    from ..labels.domain import load_domain

    return load_domain(spec).name


@dataclass
class TextSettings(Settings):
    """What the rows and the card say: the conversation style, the domain (the subject's words),
    the label catalogue, the licence and the note on the photos' source."""

    style: str = setting(STYLES[0], "Conversation style.", CHOICE, choices=STYLES)
    domain: str | None = setting(
        None,
        "The subject of the photos: its words, questions, answers and label kinds (a TOML file, or a"
        " shipped domain by name: cats, dogs). Default: cats.",
        TEXT,
        optional=True,
        metavar="NAME|FILE",
        record=_domain_name,
    )
    labels: str | None = setting(
        None,
        "Label file (CSV, the built-in catalogue's format) adding labels or replacing built-in ones.",
        FILE,
        optional=True,
        metavar="FILE",
        record=_file_name,
    )
    license: str = setting(
        DEFAULT_LICENSE,
        "The dataset card's licence: an identifier the Hugging Face Hub accepts (cc-by-4.0, mit, ...).",
        TEXT,
        check=license_problem,
    )
    source: str = setting("", "The dataset card's note on where the photos come from.", TEXT)

    def _check_together(self) -> None:
        super()._check_together()
        from ..labels.labelfile import LabelFileError, read_label_file  # loaded by the catalogue anyway

        base = self._catalog_of_domain()  # a bad domain file (or its catalogue) fails here, naming the line
        try:  # read here, once: a bad label file fails at construction, naming the line
            entries = read_label_file(self.labels, self._domain) if self.labels else []
            self._catalog = base.with_entries(entries, self.labels, self._domain) if self.labels else base
            self._file_labels = tuple(sorted(info.label for _, info in entries))
        except LabelFileError as err:
            raise self.refused("labels", problem=str(err), clause=True) from None

    def _catalog_of_domain(self) -> Catalog:
        """Load the domain (once) and return its catalogue; a broken one is refused as ``--domain``."""
        from ..errors import UserError
        from ..labels.catalog import domain_catalog
        from ..labels.domain import load_domain

        try:
            self._domain = load_domain(self.domain)
            return domain_catalog(self._domain)
        except UserError as err:
            raise self.refused("domain", problem=str(err), clause=True) from None

    def _default_priority(self) -> tuple[str, ...]:
        self._catalog_of_domain()
        return self._domain.priority

    @property
    def catalog(self) -> Catalog:
        """The label catalogue of this build: the domain's, with ``labels`` added or overriding."""
        return self._catalog

    @property
    def loaded_domain(self) -> Domain:
        """The domain of this build (its words, sentence patterns and parser filler words)."""
        return self._domain

    @property
    def file_labels(self) -> tuple[str, ...]:
        """The names of the label file's rows, sorted (none without ``labels``)."""
        return self._file_labels


def _aspect_problem(value: float) -> str | None:
    return None if value == 0 or value >= 1 else f"{value!r} is neither 0 (no limit) nor a ratio >= 1"


@dataclass
class GateSettings(Settings):
    """The quality gate: which decodable files are still not usable photos (0 or False: gate off).

    Defaults, and why:

    - ``strict_jpeg``: a JPEG whose entropy-coded data libjpeg reports as corrupt is skipped.
      libjpeg recovers from it silently and the picture is visibly broken (garbage below the
      damage).
    - ``min_side`` 32 px: tracking pixels and icons. The real photos are about 300 px wide; a
      model sees nothing of a cat in fewer than 32 pixels.
    - ``max_aspect`` 8 (long side / short side): banners and strips. Panoramas of a cat rarely
      pass 3:1.
    - ``min_spread`` 2.0: near-blank placeholders. The spread is the largest standard deviation
      of a colour channel (0-255), measured at the decode scale (1/8 of a 300 px photo): a
      solid or nearly solid image measures below 1; the lowest real or synthetic photo measured
      (dark, grayscale and low-contrast ones included) is far above 2 (see ``benchmarks/RESULTS.md``).
    """

    strict_jpeg: bool = setting(
        True, "Skip JPEGs whose data libjpeg reports as corrupt (the picture is broken below the damage).", FLAG
    )
    min_side: int = setting(32, "Skip images whose shorter side is below this many pixels (0: no minimum).", INT, low=0)
    max_aspect: float = setting(
        8.0,
        "Skip images longer than this many times their width or height, e.g. banners (0: no limit).",
        NUMBER,
        low=0,
        check=_aspect_problem,
        echo=short_number,
    )
    min_spread: float = setting(
        2.0,
        "Skip near-blank images: largest colour-channel standard deviation (0-255) below this (0: keep them).",
        NUMBER,
        low=0,
        high=256,
        high_open=True,
        echo=short_number,
    )


@dataclass
class NearDupSettings(Settings):
    """The near-duplicate search: whether it runs, and how close two pictures must be.

    ``near_dup_threshold`` is the largest signature distance (root mean square difference of
    the two 16 x 16 thumbnails, in percent of their brightness) at which two photos count as
    the same picture. The default is set from measurements (``benchmarks/RESULTS.md``): above
    every re-encode, resize, PNG re-save and small brightness change we planted, below the
    closest two distinct photos we found.
    """

    near_dups: bool = setting(
        True,
        "Find near-duplicate photos (re-encoded, resized, re-saved, trimmed) and keep each"
        " picture's copies in one split; copies under two labels are left out.",
        FLAG,
    )
    near_dup_threshold: float = setting(
        6.0,
        "Largest thumbnail difference (RMS, percent of brightness) of two copies of one picture.",
        NUMBER,
        low=0,
        high=50,
        echo=short_number,
    )


@dataclass
class BuildSettings(NearDupSettings, GateSettings, TextSettings, PlanSettings):
    """Every setting of a build, checked at construction: the command line's options and the
    builder config's fields (:class:`~cat_breeds_vlm.pipeline.builder.CatBreedsVLMConfig` adds
    ``datasets``' own). Each stage takes it whole and reads its own part.

    The parts are listed last first: a dataclass's fields come in reverse order of its bases,
    so the settings read plan, text, gate, near-duplicates, as the command line lists them.
    """
