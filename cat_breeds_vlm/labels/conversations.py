"""Conversation templates: turn a label into a short, varied, truthful question-and-answer row.

Each row asks about the photo and answers with the label. The words are the domain's
(:mod:`~cat_breeds_vlm.labels.domain`: the cat domain unless another is given); wordings are
chosen from its lists by hashing the row's ``key`` (SHA-256, so the choice is the same in every
process and on every machine), so oversampled copies of one photo usually get different
wordings.

The rules every template keeps, for every label of every kind (a test renders them all, for
every shipped domain and for a user's):

- true to the label's kind: a coat pattern or colour is never called a breed, a domestic type
  is a cat of no pedigree breed; a label in no catalogue gets the neutral questions and
  answers (``questions.neutral``, ``answers.unknown``), which name no kind and state no fact;
- the first answer names the label exactly once, by its display name ("an Abyssinian", "a
  tiger-striped coat pattern"), which the answer parser maps back to the label (a domain file
  whose answer has no label placeholder, or two, is refused);
- questions never name the label: the follow-up asks about "this breed", "this coat pattern"
  (the kind's ``noun``); a label of unknown kind is asked about only in words that name no kind
  ("What kind of cat is this?");
- no stock filler openings ("Sure.", "Of course."); articles come with the fields, never
  written in front of one ("an Abyssinian", "a Bengal").

The "detailed" style adds a follow-up question answered with the catalogue's description,
after the kind's ``subject`` ("the Abyssinian" for a cat breed, the label itself for the other
kinds); a label without a description (or in no catalogue) has nothing true to add, so its
row keeps the single exchange.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import SettingsError
from ..features import IMAGE_TOKEN
from .articles import with_article
from .catalog import UNKNOWN, Catalog, LabelInfo, builtin_catalog

if TYPE_CHECKING:
    from .domain import Domain, Kind

#: Conversation styles: one question and answer, or that plus a question about the traits.
STYLES: tuple[str, ...] = ("single", "detailed")


def check_style(style: str) -> str:
    """Return ``style`` if it is one of :data:`STYLES`; otherwise raise :class:`SettingsError`."""
    if style not in STYLES:
        raise SettingsError(f"unknown conversation style {style!r}; valid styles: {', '.join(STYLES)}")
    return style


def template_fields(label: str, catalog: Catalog | None = None, domain: Domain | None = None) -> dict[str, str]:
    """The values the templates may use, for ``label`` (catalogued or not).

    ``display``/``a_display`` name the label (with its article); ``noun`` is the kind's word;
    ``subject``/``Subject`` open the follow-up answer ("the Abyssinian", "Tabby"); ``details``
    is the description, its first letter lower-cased. ``domain`` defaults to the cat domain.
    """
    info = (builtin_catalog() if catalog is None else catalog).info(label)
    return _fields(info, _kind_of(info, _or_default(domain)))


def _or_default(domain: Domain | None) -> Domain:
    """``domain``, or the default (cat) domain for None."""
    if domain is not None:
        return domain
    from .domain import default_domain  # here: a command's start reads no domain, nor imports the module

    return default_domain()


def _kind_of(info: LabelInfo, domain: Domain) -> Kind | None:
    """The domain's kind of a label; None for a label in no catalogue (or of a kind it lacks)."""
    return None if info.kind == UNKNOWN else domain.kind_map.get(info.kind)


def _fields(info: LabelInfo, kind: Kind | None) -> dict[str, str]:
    subject = kind.subject.format(display=info.display, label=info.label) if kind else info.label
    return {
        "label": info.label,
        "display": info.display,
        "a_display": with_article(info.display),
        "noun": kind.noun if kind else "",
        "subject": subject,
        "Subject": subject[0].upper() + subject[1:],
        "details": info.description[:1].lower() + info.description[1:],
    }


def render(
    label: str, style: str, key: str, catalog: Catalog | None = None, domain: Domain | None = None
) -> list[dict[str, str]]:
    """The conversation turns of one row showing a photo labelled ``label``.

    ``key`` (for example the row id) chooses the wordings, deterministically; ``catalog``
    (default: the built-in one) says what is known of the label, ``domain`` (default: cats)
    gives the words. The first human turn starts with the image token, the only one in the row;
    turns alternate human/gpt and end with gpt.
    """
    check_style(style)
    domain = _or_default(domain)
    info = (builtin_catalog() if catalog is None else catalog).info(label)
    kind = _kind_of(info, domain)
    if kind is None:
        exchange = (_pick(domain.neutral_questions, key, "question"), _pick(domain.unknown_answers, key, "answer"))
    else:
        exchange = (_pick(domain.questions, key, "question"), _pick(kind.answers, key, "answer"))
    exchanges = [exchange]
    if style == "detailed" and kind is not None and info.description:
        trait_question = _pick(domain.follow_up_questions, key, "trait question")
        exchanges.append((trait_question, _pick(domain.follow_up_answers, key, "trait answer")))
    turns: list[dict[str, str]] = []
    for question, answer in exchanges:
        turns.append({"from": "human", "value": _filled(question, info, kind)})
        turns.append({"from": "gpt", "value": _filled(answer, info, kind)})
    turns[0]["value"] = f"{IMAGE_TOKEN}\n{turns[0]['value']}"
    return turns


@functools.lru_cache(maxsize=8192)
def _filled(template: str, info: LabelInfo, kind: Kind | None) -> str:
    """A template filled in for one label: worked out once per pair, not once per row."""
    return template.format(**_fields(info, kind))


def _pick(options: Sequence[str], key: str, salt: str) -> str:
    """One of ``options``, chosen by a stable hash of ``key`` (``salt`` decorrelates choices)."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]
