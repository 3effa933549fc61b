"""parse_breed on realistic model answers, over all 67 labels of the real data set."""

from __future__ import annotations

import pytest

from cat_breeds_vlm.labels.catalog import REAL_IMAGE_COUNTS, builtin_catalog
from cat_breeds_vlm.labels.conversations import template_fields
from cat_breeds_vlm.labels.domain import default_domain
from cat_breeds_vlm.labels.parse import BreedParser, clauses, parse_breed, tokens

LABELS = list(REAL_IMAGE_COUNTS)

# (answer, expected label or None)
ANSWERS: list[tuple[str, str | None]] = [
    # plain answers, in the shapes the fine-tuned model gives them
    ("This looks like an Abyssinian.", "Abyssinian"),
    ("abyssinian", "Abyssinian"),
    ("ABYSSINIAN!", "Abyssinian"),
    ("It's a Bengal cat.", "Bengal"),
    ("The breed is Maine Coon.", "Maine Coon"),
    ("Maine Coon breed", "Maine Coon"),
    ("A Ragdoll.", "Ragdoll"),
    ("rag doll", "Ragdoll"),
    ("This cat is a Russian Blue.", "Russian Blue"),
    ("That's a British Blue", "British Shorthair"),
    ("I'd say this is a Scottish Fold kitten.", "Scottish Fold"),
    ("Pixie-bob", "Pixiebob"),
    ("It appears to be a LaPerm.", "LaPerm"),
    ("la perm", "LaPerm"),
    ("An Egyptian Mau, judging by the spots.", "Egyptian Mau"),
    ("This is a Norwegian Forest Cat.", "Norwegian Forest Cat"),
    ("norwegian forest", "Norwegian Forest Cat"),
    ("A Havana Brown.", "Havana"),
    ("A York Chocolate.", "York Chocolate"),
    ("Burmilla", "Burmilla"),
    ("It's a Burmese.", "Burmese"),
    ("a Cymric", "Cymric"),
    ("A long-haired Manx.", "Cymric"),
    ("A Manx.", "Manx"),
    ("Cornish Rex", "Cornish Rex"),
    ("Devon Rex.", "Devon Rex"),
    ("Looks like a Turkish Van", "Turkish Van"),
    ("Turkish Angora", "Turkish Angora"),
    ("Japanese Bobtail", "Japanese Bobtail"),
    ("This is an American Bobtail.", "American Bobtail"),
    ("American Wirehair", "American Wirehair"),
    ("an American wire-haired cat", "American Wirehair"),
    ("Chinchilla Persian", "Chinchilla"),
    ("A colorpoint Persian.", "Himalayan"),
    ("Persian", "Persian"),
    ("Ocicat", "Ocicat"),
    ("Singapura", "Singapura"),
    ("Ébène? No: a Siamese, élégant.", "Siamese"),
    # display names and aliases: Sphynx, polydactyl, shorthair vs short hair
    ("Sphynx", "Sphynx - Hairless Cat"),
    ("A hairless Sphynx.", "Sphynx - Hairless Cat"),
    ("sphynx - hairless cat", "Sphynx - Hairless Cat"),
    ("a sphinx cat", "Sphynx - Hairless Cat"),
    ("Canadian Hairless", "Canadian Hairless"),
    ("It is hairless.", None),
    ("A polydactyl cat.", "Extra-Toes Cat - Hemingway Polydactyl"),
    ("polydactyl", "Extra-Toes Cat - Hemingway Polydactyl"),
    ("An extra-toed cat", "Extra-Toes Cat - Hemingway Polydactyl"),
    ("a domestic shorthair", "Domestic Short Hair"),
    ("Domestic short-haired cat", "Domestic Short Hair"),
    ("DSH", "Domestic Short Hair"),
    ("Domestic Medium Hair", "Domestic Medium Hair"),
    ("a domestic longhair", "Domestic Long Hair"),
    ("American Short Hair", "American Shorthair"),
    ("an american shorthair", "American Shorthair"),
    ("British shorthair", "British Shorthair"),
    ("Exotic Short Hair", "Exotic Shorthair"),
    ("It has short hair.", None),
    # the most specific label wins
    ("An Applehead Siamese.", "Applehead Siamese"),
    ("apple head siamese", "Applehead Siamese"),
    ("A traditional Siamese.", "Applehead Siamese"),
    ("A Siamese.", "Siamese"),
    ("A Siamese or an Applehead Siamese.", None),
    ("It's a Siamese, an Applehead Siamese to be precise.", None),
    ("A Snowshoe Siamese.", "Snowshoe"),
    ("Oriental Tabby", "Oriental Tabby"),
    ("an oriental shorthair tabby", "Oriental Tabby"),
    ("A brown tabby.", "Tabby"),
    ("Oriental Short Hair", "Oriental Short Hair"),
    ("an Oriental shorthair", "Oriental Short Hair"),
    ("Oriental Long Hair", "Oriental Long Hair"),
    ("an oriental longhaired cat", "Oriental Long Hair"),
    ("An Oriental.", None),
    ("Dilute Calico", "Dilute Calico"),
    ("a calico", "Calico"),
    ("a dilute tortie", "Dilute Tortoiseshell"),
    ("Tortoise shell", "Tortoiseshell"),
    ("A tortoiseshell tabby", "Torbie"),
    ("a tuxedo cat", "Tuxedo"),
    ("This is a Tiger.", "Tiger"),
    ("A long-haired Abyssinian", "Somali"),
    # two different labels named: no answer
    ("Either a Persian or a Himalayan.", None),
    ("Siamese or Balinese", None),
    ("It could be a Bengal, or maybe an Ocicat.", None),
    ("A Tabby Maine Coon.", None),
    ("Oriental Short Hair or Oriental Long Hair", None),
    # named only to deny it
    ("Not a Persian.", None),
    ("This isn't a Persian.", None),
    ("This isn\u2019t a Persian.", None),
    ("No Persian here.", None),
    ("It is definitely not a Persian", None),
    ("I don't think it's a Siamese.", None),
    ("It's not a Persian, it's a Himalayan.", "Himalayan"),
    ("It is not a Persian but a Himalayan.", "Himalayan"),
    ("A Himalayan rather than a Persian.", "Himalayan"),
    ("A Himalayan, not a Persian.", "Himalayan"),
    ("It is a Himalayan and not a Persian.", "Himalayan"),
    ("Not a Siamese; an Applehead Siamese.", "Applehead Siamese"),
    ("A Persian. Not a Persian.", None),
    ("There is no doubt this is a Persian.", "Persian"),
    # nothing usable
    ("", None),
    ("I cannot tell from this picture.", None),
    ("A cat.", None),
    ("What a lovely kitten!", None),
    # word boundaries, not substrings
    ("Manxome", None),
    ("A Persianesque fluffball.", None),
]


def test_the_table_is_big_and_covers_many_labels() -> None:
    expected = {label for _, label in ANSWERS if label}
    assert len(ANSWERS) >= 60
    assert len(expected) >= 40
    assert sum(label is None for _, label in ANSWERS) >= 15


@pytest.mark.parametrize(("answer", "expected"), ANSWERS)
def test_parse_breed(answer: str, expected: str | None) -> None:
    assert parse_breed(answer, LABELS) == expected


def test_every_label_and_display_name_parses_to_itself() -> None:
    parser = BreedParser(LABELS)
    for label in LABELS:
        assert parser(label) == label
        assert parser(f"I think this is a {label}.") == label


def test_only_the_labels_passed_in_count() -> None:
    assert parse_breed("An Applehead Siamese.", ["Siamese", "Persian"]) == "Siamese"
    assert parse_breed("A Himalayan.", ["Siamese", "Persian"]) is None
    assert parse_breed("A Sphynx.", ["Persian"]) is None


def test_labels_outside_the_catalogue_match_by_their_own_name() -> None:
    assert parse_breed("Looks like a Lykoi to me", ["Lykoi", "Persian"]) == "Lykoi"


def test_normalisation() -> None:
    assert tokens("The Extra-Toes Cat - Hemingway Polydactyl") == (
        "extra", "toes", "hemingway", "polydactyl",
    )  # fmt: skip
    assert tokens("short-haired") == tokens("shorthair") == ("short", "hair")
    assert tokens("Short Hair") == ("short", "hair")
    assert tokens("It isn't a tortoiseshell") == ("it", "is", "not", "tortoise", "shell")
    assert clauses("A Persian, but not really; a Himalayan!") == [
        ("persian",), ("not", "really"), ("himalayan",),
    ]  # fmt: skip


def test_every_answer_template_parses_back_to_its_label() -> None:
    """The training answers (conversations.py) all map back: the scorer credits what was taught."""
    for label in LABELS:
        fields = template_fields(label)
        for template in default_domain().kind_map[builtin_catalog().info(label).kind].answers:
            assert parse_breed(template.format(**fields), LABELS) == label, template
