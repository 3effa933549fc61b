"""The label catalogue: what the project knows of each label, read from a data file.

A label is a folder name of the image tree. For each, the catalogue holds the name to use in a
sentence, what kind of label it is (a breed, a coat pattern, a domestic type or a coat colour:
shelters typed these labels, and not all are breeds), a short factual description and other
names people use. Which kinds a label may be is the domain's (:mod:`~cat_breeds_vlm.labels.domain`);
each domain may ship a catalogue beside its file. The built-in catalogue is the default (cat)
domain's: the 67 labels of the Kaggle "Cat Breeds Dataset", ``domains/cats.csv`` beside this
module. A user's label file in the same format adds labels or
replaces built-in ones (:meth:`Catalog.with_file`, the ``--labels`` option). Reading and checking
those files is :mod:`~cat_breeds_vlm.labels.labelfile`. A label in no catalogue gets a neutral
entry of kind :data:`UNKNOWN` that claims nothing about it.

Also here: the real image counts of that data set.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .domain import Domain

# Images per folder in the real data set (Kaggle "Cat Breeds Dataset", Petfinder photos),
# copied from shared/breed_counts.tsv: 67 folders, 126,607 images. The demo and the
# benchmarks scale this distribution; the folder names are the exact labels.
REAL_IMAGE_COUNTS: dict[str, int] = {
    "Domestic Short Hair": 53027,
    "Domestic Medium Hair": 5482,
    "American Shorthair": 5295,
    "Domestic Long Hair": 4499,
    "Persian": 4018,
    "Tortoiseshell": 3963,
    "Calico": 3468,
    "Torbie": 3396,
    "Dilute Calico": 3230,
    "Tuxedo": 3181,
    "Dilute Tortoiseshell": 3152,
    "Tabby": 3012,
    "Siamese": 2888,
    "Ragdoll": 2669,
    "Bengal": 2477,
    "Tiger": 2256,
    "Manx": 2059,
    "Russian Blue": 1870,
    "Bombay": 1835,
    "Snowshoe": 1625,
    "Maine Coon": 1418,
    "Himalayan": 1301,
    "Extra-Toes Cat - Hemingway Polydactyl": 1184,
    "American Bobtail": 991,
    "Turkish Van": 815,
    "Turkish Angora": 750,
    "Norwegian Forest Cat": 580,
    "British Shorthair": 567,
    "Oriental Short Hair": 491,
    "Exotic Shorthair": 471,
    "Scottish Fold": 380,
    "Burmese": 344,
    "Egyptian Mau": 305,
    "Tonkinese": 260,
    "Abyssinian": 255,
    "Balinese": 254,
    "Birman": 227,
    "Sphynx - Hairless Cat": 209,
    "Siberian": 189,
    "Havana": 184,
    "Munchkin": 181,
    "Cornish Rex": 171,
    "American Curl": 149,
    "Nebelung": 148,
    "Applehead Siamese": 135,
    "Ragamuffin": 134,
    "Japanese Bobtail": 127,
    "Devon Rex": 119,
    "Ocicat": 118,
    "Pixiebob": 111,
    "Oriental Tabby": 101,
    "Silver": 94,
    "Chartreux": 84,
    "Selkirk Rex": 77,
    "Korat": 68,
    "Oriental Long Hair": 37,
    "Somali": 36,
    "Javanese": 25,
    "Chausie": 24,
    "Singapura": 22,
    "American Wirehair": 19,
    "LaPerm": 17,
    "Cymric": 17,
    "Burmilla": 8,
    "Canadian Hairless": 4,
    "Chinchilla": 3,
    "York Chocolate": 1,
}

#: The kind of a label in no catalogue: never written in a file, never named in a sentence.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class LabelInfo:
    """What a catalogue knows of one label.

    ``display`` is how a sentence names the label, as written mid-sentence ("Sphynx", "tabby",
    "domestic short-haired cat"). ``description`` (possibly empty) reads on after
    "<name> is ": it starts with "A", "An" or "One". ``aliases`` are other names a model may
    answer with; no name belongs to two labels of one catalogue.
    """

    label: str  # the exact folder name, e.g. "Sphynx - Hairless Cat"
    display: str
    kind: str  # one of its domain's kinds, or UNKNOWN for a label in no catalogue
    description: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the label is known by: the label itself, its display name and aliases."""
        return (self.label, self.display, *self.aliases)


def unknown_label(label: str) -> LabelInfo:
    """The neutral entry of a label in no catalogue: its own name, no kind, no facts."""
    return LabelInfo(label, label, UNKNOWN)


class Catalog(Mapping[str, LabelInfo]):
    """Labels and what is known of them, by label; equal catalogues hash alike (cache keys)."""

    def __init__(self, entries: Iterable[LabelInfo]) -> None:
        self._by_label = {info.label: info for info in sorted(entries, key=lambda i: i.label)}
        self._key = tuple(self._by_label.values())
        self._hash = hash(self._key)

    def __getitem__(self, label: str) -> LabelInfo:
        return self._by_label[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_label)

    def __len__(self) -> int:
        return len(self._by_label)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Catalog({len(self)} labels)"

    def info(self, label: str) -> LabelInfo:
        """The entry of ``label``, or the neutral :func:`unknown_label` entry."""
        return self._by_label.get(label) or unknown_label(label)

    def uncatalogued(self, labels: Iterable[str]) -> list[str]:
        """The labels of ``labels`` this catalogue has no entry for, sorted."""
        return sorted(set(labels) - set(self._by_label))

    def only(self, labels: Iterable[str]) -> Catalog:
        """The entries of ``labels`` (those the catalogue has), for a build to carry."""
        return Catalog(self._by_label[label] for label in set(labels) if label in self._by_label)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], domain: Domain | None = None) -> Catalog:
        """The catalogue of one label file, alone (a build's ``labels.csv``, a domain's file),
        checked against ``domain``'s kinds and filler words (default: the default domain's)."""
        from .labelfile import read_label_file

        return cls(info for _, info in read_label_file(path, domain))

    def with_file(self, path: str | os.PathLike[str], domain: Domain | None = None) -> Catalog:
        """This catalogue with the labels of a label file added, or replacing entries of the same name.

        A replaced entry is replaced whole. A name of the file's labels that is a name of a
        label kept from this catalogue is an error naming the file and the line.
        """
        from .labelfile import read_label_file

        return self.with_entries(read_label_file(path, domain), path, domain)

    def with_entries(
        self, entries: list[tuple[int, LabelInfo]], path: str | os.PathLike[str], domain: Domain | None = None
    ) -> Catalog:
        """:meth:`with_file` for the entries already read from the label file ``path``."""
        from .labelfile import merge

        return Catalog(merge(self.values(), entries, path, domain))


@functools.cache
def domain_catalog(domain: Domain) -> Catalog:
    """The catalogue a domain ships beside its file (empty when it has none), read once."""
    return Catalog(()) if domain.catalogue is None else Catalog.from_file(domain.catalogue, domain)


def builtin_catalog() -> Catalog:
    """The built-in catalogue: the default (cat) domain's, read (and checked) once."""
    from .domain import default_domain  # here: a command's start reads no domain, nor imports the module

    return domain_catalog(default_domain())


def load_catalog(
    label_file: str | os.PathLike[str] | None = None, base: Catalog | None = None, domain: Domain | str | None = None
) -> Catalog:
    """``base`` (default: ``domain``'s catalogue) with ``label_file``'s labels added or overriding.

    ``domain`` (default: the default domain; a name or a file is loaded) decides the kinds a
    label file may name and the words its names are compared by.
    """
    from .domain import load_domain

    domain = load_domain(domain)
    base = domain_catalog(domain) if base is None else base
    return base if label_file is None else base.with_file(label_file, domain)
