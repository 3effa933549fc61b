"""Conversation templates: turn a label into a short, varied, truthful question-and-answer row.

Each row asks about the photo and answers with the label. Wordings are chosen from the lists
below by hashing the row's ``key`` (SHA-256, so the choice is the same in every process and
on every machine), so oversampled copies of one photo usually get different wordings.
Answers are true to the label's kind (:data:`cat_breeds_vlm.labels.catalog.KINDS`): a coat pattern or
colour is never called a breed, a domestic type is described as such; and every answer
contains the exact label string, so a scorer can map it back.

Templates are ``str.format`` strings over the fields of :func:`template_fields`; articles are
never written in front of a field, they come with it ("an Abyssinian", "a Bengal").
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ..errors import SettingsError
from ..features import IMAGE_TOKEN
from .catalog import (
    BREED,
    COAT_COLOUR,
    COAT_PATTERN,
    DOMESTIC_TYPE,
    BreedInfo,
    breed_info,
    with_article,
)

#: Conversation styles: one question and answer, or that plus a question about the traits.
STYLES: tuple[str, ...] = ("single", "detailed")

#: The first human question (asked before the answer is known, so it never presumes a kind).
QUESTIONS: tuple[str, ...] = (
    "What breed is this cat?",
    "What kind of cat is this?",
    "Which breed or type of cat is shown in this photo?",
    "Can you identify the breed of the cat in this picture?",
    "What type of cat is in this image?",
    "Looking at this photo, what breed would you say this cat is?",
    "What is this cat's breed or coat type?",
)

_BREED_ANSWERS: tuple[str, ...] = (
    "This is {a_ref}.",
    "This cat looks like {a_ref}.",
    "The breed is {label}.",
    "It appears to be {a_ref}.",
    "I would say this is {a_ref}.",
    "That looks like {a_ref} to me.",
)
_DOMESTIC_ANSWERS: tuple[str, ...] = (
    "This is {a_name} ({label}).",
    "This looks like {a_name} ({label}), a cat of mixed or unknown ancestry rather than a "
    "pedigree breed.",
    "It appears to be {a_name}, the type known as {label}.",
    "This is {a_name}; shelters call this type {label}.",
    "This cat is {a_name}, so the label is {label}.",
)
# Coat patterns and coat colours share these; {aspect} is "coat pattern" or "coat colour".
_COAT_ANSWERS: tuple[str, ...] = (
    "This cat has {a_name} {aspect} ({label}).",
    "Its {aspect} is {label}.",
    "{label} is {a_aspect}, not a breed; this cat has {a_name} coat.",
    "This is {a_name} cat: {label} describes the {aspect}, not the breed.",
    "I can see {a_name} coat here: the {aspect} is {label}.",
)
#: The first answer's templates, by kind.
ANSWERS: dict[str, tuple[str, ...]] = {
    BREED: _BREED_ANSWERS,
    COAT_PATTERN: _COAT_ANSWERS,
    DOMESTIC_TYPE: _DOMESTIC_ANSWERS,
    COAT_COLOUR: _COAT_ANSWERS,
}

#: The follow-up question of the "detailed" style (no image token).
TRAIT_QUESTIONS: tuple[str, ...] = (
    "What is this {noun} known for?",
    "Tell me more about {about}.",
    "What is typical of {about}?",
    "Can you describe {about} in a sentence or two?",
    "What should I know about {about}?",
)
#: The follow-up answer: the catalogue description, introduced in a few ways.
TRAIT_ANSWERS: tuple[str, ...] = (
    "{Name} is {details}",
    "Sure. {Name} is {details}",
    "In short, {name} is {details}",
    "Of course. {Name} is {details}",
    "Here is a short summary. {Name} is {details}",
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
        raise SettingsError(
            f"unknown conversation style {style!r}; valid styles: {', '.join(STYLES)}"
        )
    return style


def template_fields(label: str) -> dict[str, str]:
    """The values every template may use, for ``label`` (catalogued or not).

    ``a_ref`` names a breed with its article and, when the display name differs, the exact
    label in brackets; ``a_name`` is the lower-case coat or domestic-type phrase with its
    article; ``Name``/``name`` open the follow-up answer; ``details`` is the description.
    """
    info = breed_info(label)
    ref = info.display if info.display == label else f"{info.display} ({label})"
    aspect = _NOUNS[info.kind]
    phrase = _phrase(info)
    name = f"the {ref}" if info.kind == BREED else label
    return {
        "label": label,
        "a_ref": with_article(ref),
        "a_name": with_article(phrase),
        "aspect": aspect,
        "a_aspect": with_article(aspect),
        "noun": aspect,
        "about": _about(info, phrase),
        "Name": name[0].upper() + name[1:],
        "name": name,
        "details": info.description[0].lower() + info.description[1:],
    }


@functools.lru_cache(maxsize=1024)
def _label_text(label: str) -> tuple[str, Mapping[str, str]]:
    """The kind and template fields of a label, worked out once per label, not once per row."""
    return breed_info(label).kind, MappingProxyType(template_fields(label))


def render(label: str, style: str, key: str) -> list[dict[str, str]]:
    """The conversation turns of one row showing a cat labelled ``label``.

    ``key`` (for example the row id) chooses the wordings, deterministically. The first human
    turn starts with the image token, the only one in the row; turns alternate human/gpt and
    end with gpt; every answer names the exact label.
    """
    check_style(style)
    kind, fields = _label_text(label)
    exchanges = [(_pick(QUESTIONS, key, "question"), _pick(ANSWERS[kind], key, "answer"))]
    if style == "detailed":
        trait_question = _pick(TRAIT_QUESTIONS, key, "trait question")
        exchanges.append((trait_question, _pick(TRAIT_ANSWERS, key, "trait answer")))
    turns: list[dict[str, str]] = []
    for question, answer in exchanges:
        turns.append({"from": "human", "value": question.format(**fields)})
        turns.append({"from": "gpt", "value": answer.format(**fields)})
    turns[0]["value"] = f"{IMAGE_TOKEN}\n{turns[0]['value']}"
    return turns


def _phrase(info: BreedInfo) -> str:
    """The label as used in a sentence: "Sphynx", "tortoiseshell", "domestic short-haired cat"."""
    if info.kind == DOMESTIC_TYPE:
        return re.sub(r" hair$", "-haired", info.display.lower()) + " cat"
    if info.kind == BREED:
        return info.display
    return info.display.lower()


def _about(info: BreedInfo, phrase: str) -> str:
    """What the follow-up question asks about: "the Sphynx", "the calico coat pattern"."""
    if info.kind == BREED:
        return f"the {info.display}"
    if info.kind == DOMESTIC_TYPE:
        return f"{phrase}s"
    return f"the {phrase} {_NOUNS[info.kind]}"


def _pick(options: Sequence[str], key: str, salt: str) -> str:
    """One of ``options``, chosen by a stable hash of ``key`` (``salt`` decorrelates choices)."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]
