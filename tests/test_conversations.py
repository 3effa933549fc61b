"""Conversation templates: every template for every label is grammatical, names the label and
is true to the label's kind; rows follow the data contract; wordings are stable and varied."""

from __future__ import annotations

import re

import pytest

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.features import IMAGE_TOKEN
from cat_breeds_vlm.labels.catalog import CATALOG, breed_info, with_article
from cat_breeds_vlm.labels.conversations import (
    ANSWERS,
    QUESTIONS,
    STYLES,
    TRAIT_ANSWERS,
    TRAIT_QUESTIONS,
    render,
    template_fields,
)

LABELS = [*sorted(CATALOG), "Ginger Ninja"]  # every real label, and one the catalogue lacks
KEYS = [f"{n}_1.jpg" for n in range(100)]

# "breed" is allowed next to a non-breed label only in these denials and general statements.
_BREED_DENIALS = re.compile(
    r"\b(?:not|rather than) (?:a|the) (?:pedigree )?breed\b|\bmany breeds\b|\bmixed-breed\b"
)


def _answers(label: str) -> list[str]:
    """Every first and follow-up answer the templates can give for ``label``."""
    fields = template_fields(label)
    return [t.format(**fields) for t in (*ANSWERS[breed_info(label).kind], *TRAIT_ANSWERS)]


def _questions(label: str) -> list[str]:
    """Every first and follow-up question the templates can ask for ``label``."""
    fields = template_fields(label)
    return [t.format(**fields) for t in (*QUESTIONS, *TRAIT_QUESTIONS)]


def _grammar_problems(text: str) -> list[str]:
    """What is wrong with ``text``'s articles, spacing, punctuation or brackets."""
    problems = [
        f"{article} {word}"
        for article, word in re.findall(r"\b(an?|An?) ([A-Za-z][\w'-]*)", text)
        if with_article(word).split()[0] != article.lower()
    ]
    for pattern in (r"  ", r" [.,;:?!)]", r"\( ", r"[.,;:?!]{2}", r"[.?!] [a-z]", r"[{}]"):
        problems += [f"{pattern!r} in {text!r}"] if re.search(pattern, text) else []
    if text.count("(") != text.count(")") or not text[:1].isupper() or text[-1] not in ".?":
        problems.append(f"brackets, capital or final punctuation: {text!r}")
    return problems


def test_the_grammar_check_catches_mistakes() -> None:
    assert _grammar_problems("This is a Abyssinian.")
    assert _grammar_problems("This is an Bengal.")
    assert _grammar_problems("This is  a Bengal.")
    assert _grammar_problems("this is a Bengal")
    assert not _grammar_problems("This is an Abyssinian, not a Bengal (or an Ocicat).")


@pytest.mark.parametrize("label", LABELS)
def test_every_template_is_grammatical(label: str) -> None:
    for text in _answers(label) + _questions(label):
        assert not _grammar_problems(text), text


@pytest.mark.parametrize("label", LABELS)
def test_every_answer_names_the_exact_label(label: str) -> None:
    for text in _answers(label):
        assert label in text, text


@pytest.mark.parametrize("label", [label for label in LABELS if breed_info(label).kind != "breed"])
def test_non_breeds_are_never_called_a_breed(label: str) -> None:
    follow_up_questions = [t.format(**template_fields(label)) for t in TRAIT_QUESTIONS]
    for text in _answers(label) + follow_up_questions:
        assert not re.search(r"\bbreeds?\b", _BREED_DENIALS.sub("", text)), text


def test_answers_say_what_kind_of_label_it_is() -> None:
    assert all("coat pattern" in t for t in _answers("Tortoiseshell"))
    assert all("coat colour" in t for t in _answers("Silver")[: len(ANSWERS["coat colour"])])
    assert all("domestic" in t for t in _answers("Domestic Short Hair"))
    assert "This is an Abyssinian." in _answers("Abyssinian")
    assert "This is a Sphynx (Sphynx - Hairless Cat)." in _answers("Sphynx - Hairless Cat")


def test_each_list_offers_at_least_five_wordings() -> None:
    for templates in (QUESTIONS, TRAIT_QUESTIONS, TRAIT_ANSWERS, *ANSWERS.values()):
        assert len(set(templates)) >= 5


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("label", LABELS)
def test_rows_follow_the_data_contract(label: str, style: str) -> None:
    possible_answers, possible_questions = set(_answers(label)), set(_questions(label))
    for key in KEYS[:5]:
        turns = render(label, style, key)
        assert len(turns) == (2 if style == "single" else 4)
        assert [t["from"] for t in turns] == ["human", "gpt"] * (len(turns) // 2)
        assert set(turns[0]) == {"from", "value"}
        assert turns[0]["value"].startswith(IMAGE_TOKEN + "\n")
        assert sum(t["value"].count(IMAGE_TOKEN) for t in turns) == 1
        first_question = turns[0]["value"].removeprefix(IMAGE_TOKEN + "\n")
        assert {first_question, *(t["value"] for t in turns[2::2])} <= possible_questions
        assert {t["value"] for t in turns[1::2]} <= possible_answers


def test_detailed_follow_up_answer_comes_from_the_catalogue() -> None:
    turns = render("Bengal", "detailed", "Bengal/1.jpg")
    assert IMAGE_TOKEN not in turns[2]["value"]
    assert "Asian leopard cat" in turns[3]["value"] and "Bengal" in turns[3]["value"]


def test_wording_is_pinned_for_one_key() -> None:
    # Pinned so a change to hashing (e.g. Python's salted hash()) shows up as a failure; update
    # the expected turns only when the templates are changed on purpose.
    assert render("Abyssinian", "detailed", "Abyssinian/12345_1.jpg") == [
        {"from": "human", "value": f"{IMAGE_TOKEN}\n{_pinned('question')}"},
        {"from": "gpt", "value": _pinned("answer")},
        {"from": "human", "value": _pinned("trait question")},
        {"from": "gpt", "value": _pinned("trait answer")},
    ]
    assert render("Abyssinian", "detailed", "Abyssinian/12345_1.jpg") == render(
        "Abyssinian", "detailed", "Abyssinian/12345_1.jpg"
    )


def _pinned(part: str) -> str:
    """The expected wording of one part of the pinned row."""
    return {
        "question": "What breed is this cat?",
        "answer": "This is an Abyssinian.",
        "trait question": "Can you describe the Abyssinian in a sentence or two?",
        "trait answer": "The Abyssinian is a slender, short-haired breed with a ticked "
        "coat, in which each hair carries bands of colour. Abyssinians are known for being "
        "active and curious.",
    }[part]


def test_different_keys_pick_different_wordings() -> None:
    rows = [render("Tabby", "detailed", key) for key in KEYS]
    for position in range(4):
        assert len({row[position]["value"] for row in rows}) >= 4
    same_as_next = sum(a == b for a, b in zip(rows, rows[1:]))
    assert same_as_next < 10


def test_unknown_style_is_a_user_error_naming_the_valid_ones() -> None:
    with pytest.raises(UserError, match=r"'chatty'.*single, detailed"):
        render("Bengal", "chatty", "k")
