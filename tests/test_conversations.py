"""Conversation templates: every template rendered for every label of the catalogue (and for
labels a user adds, and one in no catalogue) is grammatical, natural and true to the label's
kind; rows follow the data contract; wordings are stable and varied. The wording rules are
checked for every shipped domain and for a domain file a user writes (flowers)."""

from __future__ import annotations

import re

import pytest
from domain_fixtures import DOMAINS, domain_and_catalog

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.features import IMAGE_TOKEN
from cat_breeds_vlm.labels.articles import with_article
from cat_breeds_vlm.labels.catalog import UNKNOWN, Catalog, LabelInfo, builtin_catalog
from cat_breeds_vlm.labels.conversations import (
    STYLES,
    render,
    template_fields,
)
from cat_breeds_vlm.labels.domain import Domain, default_domain
from cat_breeds_vlm.labels.parse import parse_breed, tokens

# The built-in labels, plus the kinds of entry a user's label file brings: a breed, a coat
# pattern and a domestic type without a description, and one label in no catalogue.
CATALOG = Catalog(
    [
        *builtin_catalog().values(),
        LabelInfo("Lykoi", "Lykoi", "breed", "A breed with a patchy, partly hairless coat.", ("werewolf cat",)),
        LabelInfo("Smoke", "smoke", "coat pattern"),
        LabelInfo("Moggy", "moggy", "domestic type", "", ("moggie",)),
    ]
)
CATS = default_domain()
UNCATALOGUED = "Ginger Ninja"
LABELS = [*CATALOG, UNCATALOGUED]
#: Each domain with the catalogue its labels are rendered with (cats: with the entries above).
CASES: dict[str, tuple[Domain, Catalog]] = {
    "cats": (default_domain(), CATALOG),
    **{name: domain_and_catalog(name) for name in DOMAINS if name != "cats"},
}
#: Every (domain, label) rendered: each domain's labels and one label in no catalogue.
DOMAIN_LABELS = [(name, label) for name, (_, catalog) in CASES.items() for label in [*catalog, UNCATALOGUED]]
#: Words that name a kind in a neutral sentence, by domain.
KIND_WORDS_OF = {"dogs": re.compile(r"\bbreeds?\b", re.I), "flowers": re.compile(r"\bspecies\b", re.I)}
KEYS = [f"{n}_1.jpg" for n in range(100)]
FILLER_OPENINGS = ("Sure", "Of course", "Certainly", "Absolutely", "Here is", "Here's", "Okay", "OK", "Well", "Great")
# Words that name a kind ("kind of cat" and "type of cat" are everyday words, not a kind).
KIND_WORDS = re.compile(r"\b(?:breeds?|coat|pattern|colou?r|domestic|pedigree)\b", re.IGNORECASE)

# "breed" is allowed next to a non-breed label only in these denials and general statements.
_BREED_DENIALS = re.compile(
    r"\b(?:not|rather than) (?:a|the) (?:pedigree )?breed\b|\bmany breeds\b|\bmixed-breed\b",
    re.IGNORECASE,
)


def _info(label: str, domain: str = "cats") -> LabelInfo:
    return CASES[domain][1].info(label)


def _fill(templates, label: str, domain: str = "cats") -> list[str]:
    fields = template_fields(label, CASES[domain][1], CASES[domain][0])
    return [template.format(**fields) for template in templates]


def _answers_of(label: str, domain: str) -> tuple[str, ...]:
    words, kind = CASES[domain][0], _info(label, domain).kind
    return words.unknown_answers if kind == UNKNOWN else words.kind_map[kind].answers


def _first_answers(label: str, domain: str = "cats") -> list[str]:
    return _fill(_answers_of(label, domain), label, domain)


def _follow_ups(label: str, domain: str = "cats") -> list[str]:
    """The follow-up answers; none for a label without a description."""
    answers = CASES[domain][0].follow_up_answers
    return _fill(answers, label, domain) if _info(label, domain).description else []


def _follow_up_questions(label: str, domain: str = "cats") -> list[str]:
    questions = CASES[domain][0].follow_up_questions
    return _fill(questions, label, domain) if _info(label, domain).description else []


def _questions(label: str, domain: str = "cats") -> list[str]:
    words = CASES[domain][0]
    first = words.neutral_questions if _info(label, domain).kind == UNKNOWN else words.questions
    return _fill(first, label, domain) + _follow_up_questions(label, domain)


def _filler(domain: str) -> frozenset[str]:
    return CASES[domain][0].filler


def name_count(text: str, names, filler: frozenset[str] | None = None) -> int:
    """How many times ``text`` names one of ``names`` (longest first, as the parser reads)."""
    filler = default_domain().filler if filler is None else filler
    words, phrases = tokens(text, filler), {tokens(name, filler) for name in names}
    sizes = sorted({len(p) for p in phrases}, reverse=True)
    count, i = 0, 0
    while i < len(words):
        size = next((n for n in sizes if words[i : i + n] in phrases), 0)
        count, i = count + bool(size), i + (size or 1)
    return count


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


def test_the_checks_catch_the_mistakes_they_are_for() -> None:
    assert _grammar_problems("This is a Abyssinian.")
    assert _grammar_problems("This is an Bengal.")
    assert _grammar_problems("This is  a Bengal.")
    assert _grammar_problems("this is a Bengal")
    assert not _grammar_problems("This is an Abyssinian, not a Bengal (or an Ocicat).")
    extra_toes = _info("Extra-Toes Cat - Hemingway Polydactyl").names
    assert name_count("I would say this is an Extra-Toes Cat (Extra-Toes Cat - Hemingway Polydactyl).", extra_toes) == 2
    assert (
        name_count("This is a tiger cat: Tiger describes the coat pattern, not the breed.", _info("Tiger").names) == 2
    )
    assert name_count("This is an Extra-Toes Cat.", extra_toes) == 1


@pytest.mark.parametrize(("domain", "label"), DOMAIN_LABELS)
def test_every_text_is_grammatical(domain: str, label: str) -> None:
    for text in _first_answers(label, domain) + _follow_ups(label, domain) + _questions(label, domain):
        assert not _grammar_problems(text), text


@pytest.mark.parametrize(("domain", "label"), DOMAIN_LABELS)
def test_first_answers_name_the_label_once_and_parse_back_to_it(domain: str, label: str) -> None:
    labels = [*CASES[domain][1], UNCATALOGUED]
    for text in _first_answers(label, domain):
        assert name_count(text, _info(label, domain).names, _filler(domain)) == 1, text
        assert parse_breed(text, labels, CASES[domain][1], _filler(domain)) == label, text


@pytest.mark.parametrize(("domain", "label"), DOMAIN_LABELS)
def test_follow_up_answers_never_repeat_the_label(domain: str, label: str) -> None:
    info = _info(label, domain)
    for text in _follow_ups(label, domain):
        assert name_count(text, [info.label, info.display], _filler(domain)) <= 1, text
        assert text.endswith(info.description[1:]), text


@pytest.mark.parametrize(("domain", "label"), DOMAIN_LABELS)
def test_questions_never_name_a_label(domain: str, label: str) -> None:
    every_name = [name for other in [*CASES[domain][1], UNCATALOGUED] for name in _info(other, domain).names]
    for text in _questions(label, domain):
        assert name_count(text, every_name, _filler(domain)) == 0, text


@pytest.mark.parametrize(("domain", "label"), DOMAIN_LABELS)
def test_no_stock_filler_openings(domain: str, label: str) -> None:
    for text in _first_answers(label, domain) + _follow_ups(label, domain):
        assert not text.startswith(FILLER_OPENINGS), text


@pytest.mark.parametrize("domain", [name for name in CASES if name != "cats"])
def test_other_domains_never_say_cat_and_label_in_no_catalogue_neutrally(domain: str) -> None:
    words, catalog = CASES[domain]
    assert set(words.neutral_questions) <= set(words.questions)
    for label in [*catalog, UNCATALOGUED]:
        for text in _first_answers(label, domain) + _follow_ups(label, domain) + _questions(label, domain):
            assert not re.search(r"\b(?:cats?|kittens?)\b", text, re.I), text
    for text in _first_answers(UNCATALOGUED, domain) + _questions(UNCATALOGUED, domain):
        assert not KIND_WORDS_OF[domain].search(text), text
    for text in _first_answers(UNCATALOGUED, domain):
        extra = set(tokens(text, words.filler)) - set(tokens(UNCATALOGUED, words.filler))
        assert extra <= {"this", "is", "labelled", "label", "for", "i", "would", "photo", "shows", "my", "answer"}, text
    for key in KEYS[:20]:
        assert len(render(UNCATALOGUED, "detailed", key, catalog, words)) == 2  # no fact to add


@pytest.mark.parametrize("label", [label for label in LABELS if _info(label).kind != "breed"])
def test_non_breeds_are_never_called_a_breed(label: str) -> None:
    follow_up_questions = _fill(CATS.follow_up_questions, label) if _info(label).description else []
    for text in _first_answers(label) + _follow_ups(label) + follow_up_questions:
        assert not re.search(r"\bbreeds?\b", _BREED_DENIALS.sub("", text)), text


def test_a_label_in_no_catalogue_gets_wording_that_claims_nothing() -> None:
    assert _info(UNCATALOGUED).kind == UNKNOWN
    assert set(CATS.neutral_questions) <= set(CATS.questions)  # asked of every label: no tell
    for text in _first_answers(UNCATALOGUED) + _questions(UNCATALOGUED):
        assert not KIND_WORDS.search(text), text
    for text in _first_answers(UNCATALOGUED):
        assert set(tokens(text)) - set(tokens(UNCATALOGUED)) <= {"this", "is", "labelled", "label",
            "for", "i", "would", "photo", "shows", "my", "answer"}, text  # fmt: skip
    for key in KEYS[:20]:
        assert len(render(UNCATALOGUED, "detailed", key, CATALOG)) == 2  # no fact to add


def test_answers_say_what_kind_of_label_it_is() -> None:
    assert all("coat pattern" in t for t in _first_answers("Tortoiseshell"))
    assert all("coat colour" in t for t in _first_answers("Silver"))
    assert all("domestic short-haired cat" in t for t in _first_answers("Domestic Short Hair"))
    assert "This is an Abyssinian." in _first_answers("Abyssinian")
    assert "This is a Sphynx." in _first_answers("Sphynx - Hairless Cat")
    assert "This cat has a tiger-striped coat pattern." in _first_answers("Tiger")
    assert "Tiger is a shelter name" in _follow_ups("Tiger")[0]


def test_each_list_offers_several_wordings() -> None:
    for templates in (CATS.questions, CATS.follow_up_questions, CATS.unknown_answers, *(k.answers for k in CATS.kinds)):
        assert len(set(templates)) >= 5
    assert len(set(CATS.follow_up_answers)) >= 4


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(("domain", "label"), DOMAIN_LABELS)
def test_rows_follow_the_data_contract(domain: str, label: str, style: str) -> None:
    possible_answers = set(_first_answers(label, domain) + _follow_ups(label, domain))
    possible_questions = set(_questions(label, domain))
    follow_up = style == "detailed" and bool(_info(label, domain).description)
    for key in KEYS[:5]:
        turns = render(label, style, key, CASES[domain][1], CASES[domain][0])
        assert len(turns) == (4 if follow_up else 2)
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
    assert "Asian leopard cat" in turns[3]["value"]


def test_the_catalogue_passed_in_is_the_one_used() -> None:
    mine = Catalog([LabelInfo("Bengal", "Bengal", "coat pattern", "A made-up pattern.", ())])
    turns = render("Bengal", "detailed", "k", mine)
    assert "coat pattern" in turns[1]["value"] and "made-up pattern" in turns[3]["value"]
    assert "coat pattern" not in render("Bengal", "detailed", "k")[1]["value"]


def test_wording_is_pinned_for_one_key() -> None:
    # Pinned so a change to hashing (e.g. Python's salted hash()) shows up as a failure; update
    # the expected turns only when the templates are changed on purpose.
    assert render("Abyssinian", "detailed", "Abyssinian/12345_1.jpg") == [
        {"from": "human", "value": f"{IMAGE_TOKEN}\n{_pinned('question')}"},
        {"from": "gpt", "value": _pinned("answer")},
        {"from": "human", "value": _pinned("trait question")},
        {"from": "gpt", "value": _pinned("trait answer")},
    ]


def _pinned(part: str) -> str:
    """The expected wording of one part of the pinned row."""
    return {
        "question": "What breed is this cat?",
        "answer": "This is an Abyssinian.",
        "trait question": "Can you describe this breed in a sentence or two?",
        "trait answer": "In a few words, the Abyssinian is a slender, short-haired breed with a "
        "ticked coat, in which each hair carries bands of colour. Abyssinians are known for being "
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
