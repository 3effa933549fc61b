"""The built-in label catalogue: read from its data file, every real label present, valid kinds,
unambiguous names, articles; catalogues layered with a user's label file."""

from __future__ import annotations

from pathlib import Path

import pytest
from domain_fixtures import DOMAINS, domain_and_catalog

import cat_breeds_vlm.labels.catalog as catalog_module
from cat_breeds_vlm.labels.articles import with_article
from cat_breeds_vlm.labels.catalog import (
    REAL_IMAGE_COUNTS,
    UNKNOWN,
    Catalog,
    LabelInfo,
    builtin_catalog,
    load_catalog,
)
from cat_breeds_vlm.labels.domain import default_domain
from cat_breeds_vlm.labels.parse import tokens

CATALOG = builtin_catalog()
COAT_PATTERNS = {
    "Tabby",
    "Tortoiseshell",
    "Torbie",
    "Dilute Calico",
    "Calico",
    "Tuxedo",
    "Tiger",
    "Dilute Tortoiseshell",
}
DOMESTIC_TYPES = {"Domestic Short Hair", "Domestic Medium Hair", "Domestic Long Hair"}
COAT_COLOURS = {"Silver", "Chinchilla"}


def test_catalog_covers_exactly_the_real_labels() -> None:
    assert set(CATALOG) == set(REAL_IMAGE_COUNTS)
    assert len(CATALOG) == 67
    assert set(default_domain().priority) <= set(CATALOG)


#: Every entry of every domain's catalogue (the shipped ones and the user's flower file).
ENTRIES = [(name, label) for name in DOMAINS for label in sorted(domain_and_catalog(name)[1])]


@pytest.mark.parametrize(("domain", "label"), ENTRIES)
def test_entry_is_well_formed(domain: str, label: str) -> None:
    words, catalog = domain_and_catalog(domain)
    info = catalog[label]
    assert info.label == label
    assert info.kind in words.kind_names
    assert domain != "cats" or info.kind in default_domain().kind_names
    assert info.display and info.display == info.display.strip()
    assert info.description.startswith(("A ", "An ", "One "))
    assert info.description.endswith(".") and "  " not in info.description
    assert all(alias == alias.lower().strip() for alias in info.aliases)
    assert label.lower() not in info.aliases


def test_kinds_follow_what_the_labels_name() -> None:
    kinds = {label: info.kind for label, info in CATALOG.items()}
    assert {label for label, kind in kinds.items() if kind == "coat pattern"} == COAT_PATTERNS
    assert {label for label, kind in kinds.items() if kind == "domestic type"} == DOMESTIC_TYPES
    assert {label for label, kind in kinds.items() if kind == "coat colour"} == COAT_COLOURS
    assert kinds["Sphynx - Hairless Cat"] == kinds["Abyssinian"] == "breed"


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_name_points_to_two_labels(domain: str) -> None:
    words, catalog = domain_and_catalog(domain)
    owner: dict[tuple[str, ...], str] = {}
    for info in catalog.values():
        for name in info.names:
            assert owner.setdefault(tokens(name, words.filler), info.label) == info.label, name


def test_display_names_for_odd_labels() -> None:
    assert CATALOG["Sphynx - Hairless Cat"].display == "Sphynx"
    assert CATALOG["Domestic Short Hair"].display == "domestic short-haired cat"
    assert CATALOG["Tiger"].display == "tiger-striped"
    assert CATALOG["Tabby"].display == "tabby"  # empty in the file: the name in lower case
    assert CATALOG["Abyssinian"].display == "Abyssinian"  # empty in the file: the name
    assert {"polydactyl", "extra-toed", "polydactyly"} <= set(CATALOG["Extra-Toes Cat - Hemingway Polydactyl"].aliases)
    assert "dsh" in CATALOG["Domestic Short Hair"].aliases


def test_unknown_label_gets_a_neutral_entry() -> None:
    info = CATALOG.info("Ginger Ninja")
    assert info == LabelInfo("Ginger Ninja", "Ginger Ninja", UNKNOWN, "", ())
    assert UNKNOWN not in default_domain().kind_names
    assert CATALOG.info("Bengal") is CATALOG["Bengal"]
    assert CATALOG.uncatalogued(["Bengal", "Ginger Ninja", "Abyssinian"]) == ["Ginger Ninja"]


def test_the_catalogue_is_package_data_read_once() -> None:
    assert builtin_catalog() is builtin_catalog()
    assert load_catalog() is builtin_catalog()
    assert (Path(catalog_module.__file__).parent / "domains" / "cats.csv").is_file()


def test_a_label_file_adds_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "name,display,kind,description,aliases\n"
        "Lykoi,,breed,A breed with a patchy coat that looks like a werewolf's.,werewolf cat\n"
        "Tiger,tiger-striped,coat pattern,,tiger cat; mackerel\n",
        encoding="utf-8",
    )
    mine = load_catalog(path)
    assert len(mine) == 68 and mine["Lykoi"].aliases == ("werewolf cat",)
    assert mine["Tiger"].description == "" and mine["Tiger"].aliases == ("tiger cat", "mackerel")
    assert mine["Bengal"] is CATALOG["Bengal"]
    assert load_catalog(path) == mine and hash(load_catalog(path)) == hash(mine)
    assert mine.only(["Lykoi", "Ginger Ninja"]) == Catalog([mine["Lykoi"]])


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Abyssinian", "an Abyssinian"), ("Bengal", "a Bengal"), ("Ocicat", "an Ocicat"),
        ("Oriental Short Hair", "an Oriental Short Hair"), ("Extra-Toes Cat", "an Extra-Toes Cat"),
        ("Egyptian Mau", "an Egyptian Mau"), ("York Chocolate", "a York Chocolate"),
        ("Unicorn", "a Unicorn"), ("European Shorthair", "a European Shorthair"),
        ("hour", "an hour"), ("umbrella", "an umbrella"), ("one-eyed cat", "a one-eyed cat"),
        ("DSH", "a DSH"), ("M-shaped marking", "an M-shaped marking"),
        ("tortoiseshell coat", "a tortoiseshell coat"), ("  Sphynx ", "a Sphynx"),
    ],
)  # fmt: skip
def test_with_article(phrase: str, expected: str) -> None:
    assert with_article(phrase) == expected


@pytest.mark.parametrize("domain", DOMAINS)
def test_with_article_is_right_for_every_display_name(domain: str) -> None:
    for label, info in domain_and_catalog(domain)[1].items():
        article = "an" if info.display.lower().startswith(("a", "e", "i", "o")) else "a"
        assert with_article(info.display) == f"{article} {info.display}", label


def test_with_article_rejects_an_empty_phrase() -> None:
    with pytest.raises(ValueError):
        with_article("  ")


def test_articles_past_punctuation_and_accents():
    assert with_article("-Foo") == "a -Foo"
    assert with_article("Égyptien") == "an Égyptien"
    assert with_article("(Oriental) Cat") == "an (Oriental) Cat"
    assert with_article("---") == "a ---"
