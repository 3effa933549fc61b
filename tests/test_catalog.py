"""The breed catalogue: every real label present, valid kinds, unambiguous aliases, articles."""

from __future__ import annotations

import pytest

from cat_breeds_vlm.labels.catalog import (
    CATALOG,
    DEFAULT_PRIORITY_BREEDS,
    KINDS,
    REAL_IMAGE_COUNTS,
    BreedInfo,
    breed_info,
    with_article,
)

COAT_PATTERNS = {
    "Tabby", "Tortoiseshell", "Torbie", "Dilute Calico", "Calico", "Tuxedo", "Tiger",
    "Dilute Tortoiseshell",
}
DOMESTIC_TYPES = {"Domestic Short Hair", "Domestic Medium Hair", "Domestic Long Hair"}
COAT_COLOURS = {"Silver", "Chinchilla"}


def test_catalog_covers_exactly_the_real_labels() -> None:
    assert set(CATALOG) == set(REAL_IMAGE_COUNTS)
    assert len(CATALOG) == 67
    assert set(DEFAULT_PRIORITY_BREEDS) <= set(CATALOG)


@pytest.mark.parametrize("label", sorted(CATALOG))
def test_entry_is_well_formed(label: str) -> None:
    info = CATALOG[label]
    assert info.label == label
    assert info.kind in KINDS
    assert info.display and info.display == info.display.strip()
    assert info.description.startswith(("A ", "An ", "One "))
    assert info.description.endswith(".") and "  " not in info.description
    assert all(alias == alias.lower().strip() for alias in info.aliases)
    assert label.lower() not in info.aliases
    if info.display != label:
        assert info.display.lower() in info.aliases


def test_kinds_follow_what_the_labels_name() -> None:
    kinds = {label: info.kind for label, info in CATALOG.items()}
    assert {label for label, kind in kinds.items() if kind == "coat pattern"} == COAT_PATTERNS
    assert {label for label, kind in kinds.items() if kind == "domestic type"} == DOMESTIC_TYPES
    assert {label for label, kind in kinds.items() if kind == "coat colour"} == COAT_COLOURS
    assert kinds["Sphynx - Hairless Cat"] == kinds["Abyssinian"] == "breed"


def test_no_name_points_to_two_labels() -> None:
    owner: dict[str, str] = {}
    for info in CATALOG.values():
        for name in {info.label.lower(), info.display.lower(), *info.aliases}:
            assert owner.setdefault(name, info.label) == info.label, name


def test_display_names_for_odd_labels() -> None:
    assert CATALOG["Sphynx - Hairless Cat"].display == "Sphynx"
    assert "polydactyl" in CATALOG["Extra-Toes Cat - Hemingway Polydactyl"].aliases
    assert "dsh" in CATALOG["Domestic Short Hair"].aliases


def test_unknown_label_gets_a_generic_breed_entry() -> None:
    info = breed_info("Ginger Ninja")
    assert (info.label, info.display, info.kind, info.aliases) == (
        "Ginger Ninja", "Ginger Ninja", "breed", ())
    assert "Ginger Ninja" in info.description
    assert breed_info("Bengal") is CATALOG["Bengal"]


def test_invalid_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="'label'"):
        BreedInfo("Bengal", "Bengal", "label", "A cat.")


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
)
def test_with_article(phrase: str, expected: str) -> None:
    assert with_article(phrase) == expected


def test_with_article_is_right_for_every_display_name() -> None:
    vowel_sound = {label for label in CATALOG if label.startswith(("A", "E", "O"))}
    for label, info in CATALOG.items():
        article = "an" if label in vowel_sound else "a"
        assert with_article(info.display) == f"{article} {info.display}", label


def test_with_article_rejects_an_empty_phrase() -> None:
    with pytest.raises(ValueError):
        with_article("  ")


def test_articles_past_punctuation_and_accents():
    assert with_article("-Foo") == "a -Foo"
    assert with_article("Égyptien") == "an Égyptien"
    assert with_article("(Oriental) Cat") == "an (Oriental) Cat"
    assert with_article("---") == "a ---"
