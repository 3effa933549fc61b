"""Conversation templates: turn a label into a short, varied, truthful question-and-answer row.

Each row asks about the photo and answers with the label. Wordings are chosen from the lists
below by hashing the row's ``key`` (SHA-256, so the choice is the same in every process and
on every machine), so oversampled copies of one photo usually get different wordings.

The rules every template keeps, for every label of every kind (a test renders them all):

- true to the label's kind (:data:`~cat_breeds_vlm.labels.catalog.KINDS`): a coat pattern or
  colour is never called a breed, a domestic type is a cat of no pedigree breed; a label in no
  catalogue gets neutral wording that names no kind and states no fact;
- the first answer names the label exactly once, by its display name ("an Abyssinian", "a
  tiger-striped coat pattern"), which the answer parser maps back to the label;
- questions never name the label: the follow-up asks about "this breed", "this coat pattern";
  a label of unknown kind is asked about only in words that name no kind ("What kind of cat is
  this?");
- no stock filler openings ("Sure.", "Of course."); articles come with the fields, never
  written in front of one ("an Abyssinian", "a Bengal").

The "detailed" style adds a follow-up question answered with the catalogue's description;
a label without a description (or in no catalogue) has nothing true to add, so its row keeps
the single exchange.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

from ..errors import SettingsError
from ..features import IMAGE_TOKEN
from .articles import with_article
from .catalog import (
    BREED,
    COAT_COLOUR,
    COAT_PATTERN,
    DOMESTIC_TYPE,
    UNKNOWN,
    Catalog,
    LabelInfo,
    builtin_catalog,
)

#: Conversation styles: one question and answer, or that plus a question about the traits.
STYLES: tuple[str, ...] = ("single", "detailed")

#: The first human question (asked before the answer is known, so it is the same for every kind).
QUESTIONS: tuple[str, ...] = (
    "What breed is this cat?",
    "What kind of cat is this?",
    "Which breed or type of cat is shown in this photo?",
    "Can you identify the breed of the cat in this picture?",
    "What type of cat is in this image?",
    "Looking at this photo, what breed would you say this cat is?",
    "What is this cat's breed or coat type?",
)
#: The first questions that name no kind: the only ones asked about a label of unknown kind
#: (a subset of QUESTIONS, so the question never tells that the label is uncatalogued).
NEUTRAL_QUESTIONS: tuple[str, ...] = ("What kind of cat is this?", "What type of cat is in this image?")

_BREED_ANSWERS: tuple[str, ...] = (
    "This is {a_display}.",
    "This cat looks like {a_display}.",
    "This looks like {a_display}.",
    "It appears to be {a_display}.",
    "I would say this is {a_display}.",
    "That looks like {a_display} to me.",
)
_DOMESTIC_ANSWERS: tuple[str, ...] = (
    "This is {a_display}.",
    "This looks like {a_display}, a cat of mixed or unknown ancestry rather than a pedigree breed.",
    "It appears to be {a_display}, not a pedigree breed.",
    "That looks like {a_display} to me.",
    "It looks like {a_display} rather than a pedigree breed.",
)
# Coat patterns and coat colours share these; {noun} is "coat pattern" or "coat colour".
_COAT_ANSWERS: tuple[str, ...] = (
    "This cat has {a_display} {noun}.",
    "Its {noun} is {display}.",
    "I would describe the {noun} as {display}.",
    "The {noun} looks {display} to me.",
    "Rather than a breed, I can see {a_display} {noun}.",
)
# A label in no catalogue: its name, as the label of the photo, and nothing else.
_UNKNOWN_ANSWERS: tuple[str, ...] = (
    "This cat is labelled {label}.",
    "The label for this cat is {label}.",
    "I would label this cat {label}.",
    "This photo shows a cat labelled {label}.",
    "My answer is {label}.",
)
#: The first answer's templates, by kind.
ANSWERS: dict[str, tuple[str, ...]] = {
    BREED: _BREED_ANSWERS,
    COAT_PATTERN: _COAT_ANSWERS,
    DOMESTIC_TYPE: _DOMESTIC_ANSWERS,
    COAT_COLOUR: _COAT_ANSWERS,
    UNKNOWN: _UNKNOWN_ANSWERS,
}

#: The follow-up question of the "detailed" style (no image token; the label is not named).
TRAIT_QUESTIONS: tuple[str, ...] = (
    "What is this {noun} known for?",
    "Tell me more about this {noun}.",
    "What is typical of this {noun}?",
    "Can you describe this {noun} in a sentence or two?",
    "What should I know about this {noun}?",
)
#: The follow-up answer: the catalogue description, after a subject.
TRAIT_ANSWERS: tuple[str, ...] = (
    "{Subject} is {details}",
    "It is {details}",
    "In short, {subject} is {details}",
    "In a few words, {subject} is {details}",
)

# What the follow-up question calls the label, by kind.
_NOUNS: dict[str, str] = {
    BREED: "breed",
    COAT_PATTERN: "coat pattern",
    DOMESTIC_TYPE: "type of cat",
    COAT_COLOUR: "coat colour",
}


def check_style(style: str) -> str:
    """Return ``style`` if it is one of :data:`STYLES`; otherwise raise :class:`SettingsError`."""
    if style not in STYLES:
        raise SettingsError(f"unknown conversation style {style!r}; valid styles: {', '.join(STYLES)}")
    return style


def template_fields(label: str, catalog: Catalog | None = None) -> dict[str, str]:
    """The values the templates may use, for ``label`` (catalogued or not).

    ``display``/``a_display`` name the label (with its article); ``noun`` is the kind's word;
    ``subject``/``Subject`` open the follow-up answer ("the Abyssinian", "Tabby"); ``details``
    is the description, its first letter lower-cased.
    """
    info = (builtin_catalog() if catalog is None else catalog).info(label)
    subject = f"the {info.display}" if info.kind == BREED else info.label
    return {
        "label": label,
        "display": info.display,
        "a_display": with_article(info.display),
        "noun": _NOUNS.get(info.kind, ""),
        "subject": subject,
        "Subject": subject[0].upper() + subject[1:],
        "details": info.description[:1].lower() + info.description[1:],
    }


def render(label: str, style: str, key: str, catalog: Catalog | None = None) -> list[dict[str, str]]:
    """The conversation turns of one row showing a cat labelled ``label``.

    ``key`` (for example the row id) chooses the wordings, deterministically; ``catalog``
    (default: the built-in one) says what is known of the label. The first human turn starts
    with the image token, the only one in the row; turns alternate human/gpt and end with gpt.
    """
    check_style(style)
    info = (builtin_catalog() if catalog is None else catalog).info(label)
    questions = NEUTRAL_QUESTIONS if info.kind == UNKNOWN else QUESTIONS
    exchanges = [(_pick(questions, key, "question"), _pick(ANSWERS[info.kind], key, "answer"))]
    if style == "detailed" and info.description:
        trait_question = _pick(TRAIT_QUESTIONS, key, "trait question")
        exchanges.append((trait_question, _pick(TRAIT_ANSWERS, key, "trait answer")))
    turns: list[dict[str, str]] = []
    for question, answer in exchanges:
        turns.append({"from": "human", "value": _filled(question, info)})
        turns.append({"from": "gpt", "value": _filled(answer, info)})
    turns[0]["value"] = f"{IMAGE_TOKEN}\n{turns[0]['value']}"
    return turns


@functools.lru_cache(maxsize=8192)
def _filled(template: str, info: LabelInfo) -> str:
    """A template filled in for one label: worked out once per pair, not once per row."""
    return template.format(**template_fields(info.label, Catalog([info])))


def _pick(options: Sequence[str], key: str, salt: str) -> str:
    """One of ``options``, chosen by a stable hash of ``key`` (``salt`` decorrelates choices)."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]
