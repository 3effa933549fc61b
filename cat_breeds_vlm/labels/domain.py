"""Domains: the subject of a photo tree, its words and its sentence patterns, read from a TOML file.

A domain says what the photos show ("cat", "dog", "flower"), what a label is called ("breed",
"species"), which kinds of label its catalogue may hold and how each is asked about and
answered, which words the answer parser ignores, the default priority labels and the dataset
card's title, tags and first sentence. The shipped domains are ``domains/{name}.toml`` beside
this module (``cats``, the default, and ``dogs``); a user's file works the same way. A build
carries its domain as ``domain.toml`` beside ``labels.csv``, so ``score``, ``review`` and a
Hub copy read the same words.

The file, top to bottom (every template is a Python format string)::

    name = "dogs"                        # optional; default: the file's stem
    catalogue = "dogs.csv"               # optional label file beside it (the labels.csv format)
    priority = ["Beagle"]                # optional default priority labels

    [subject]                            # required
    noun = "dog"                         # required: what one photo shows
    plural = "dogs"                      # default: noun + "s"
    young = "puppy"                      # optional, with young_plural
    label_word = "breed"                 # required: what a label is called
    label_word_plural = "breeds"         # default: label_word + "s"

    [card]                               # the dataset card's title, tags and first sentence
    title = "Dog breeds VLM"
    tags = ["dogs", "vision-language"]
    intro = "Labelled dog photos as a vision-language fine-tuning set: ..."

    [parser]
    filler = ["doggy"]                   # more words the answer parser ignores

    [questions]
    first = ["What breed is this dog?", "What kind of dog is this?"]
    neutral = ["What kind of dog is this?"]   # asked of a label in no catalogue; each one of first
    follow_up = ["What is this {noun} known for?"]

    [answers]
    unknown = ["This dog is labelled {label}."]       # a label in no catalogue
    follow_up = ["{Subject} is {details}"]            # the "detailed" style's follow-up answer

    [kinds.breed]                        # one table per kind a catalogue row may name
    noun = "breed"                       # what the follow-up question calls the label
    display = "name"                     # an empty display column: "name" or "lower" (lower-cased)
    subject = "the {display}"            # how the follow-up answer names the label
    answers = ["This is {a_display}.", "This dog looks like {a_display}."]

The sentence engine (:mod:`~cat_breeds_vlm.labels.conversations`) fills the fields ``label``
(the folder name), ``display``, ``a_display`` (with "a" or "an"), ``noun`` (the kind's noun),
``subject``/``Subject`` and ``details`` (the description). Its fixed rules: the first question
is chosen from ``questions.first`` (``questions.neutral`` for a label in no catalogue), the
first answer from the kind's ``answers`` (``answers.unknown``), and the follow-up, only in the
detailed style and only for a label with a description, from ``questions.follow_up`` and
``answers.follow_up``. The choice is by index, so reordering a list changes which rows get
which wording.

The parser ignores "a", "an", "the" and the subject's words (noun, plural, young, label word)
besides ``parser.filler``. A file that breaks a rule is a :class:`DomainFileError` naming the
file, the line and the field, on one line.
"""

from __future__ import annotations

import functools
import os
import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import UserError

#: The domain of a build that names none, and of builds made before domains existed.
DEFAULT_DOMAIN = "cats"
#: The file name of the domain a build carries (named in its ``build.json``).
DOMAIN_FILE = "domain.toml"
#: The folder of the shipped domains, package data beside this module.
SHIPPED_FOLDER = "domains"
#: Always ignored by the answer parser, whatever the domain.
ARTICLES: frozenset[str] = frozenset({"a", "an", "the"})
#: The fields a template may use; the first three name the label.
LABEL_FIELDS: tuple[str, ...] = ("label", "display", "a_display")
FIELDS: tuple[str, ...] = (*LABEL_FIELDS, "noun", "subject", "Subject", "details")
#: How an empty ``display`` column is read: the name as written, or in lower case.
DISPLAY_RULES: tuple[str, ...] = ("name", "lower")
_WORD = re.compile(r"^[a-z0-9]+$")


class DomainFileError(UserError):
    """A domain file that cannot be used; the message names the file, the line and the field."""


@dataclass(frozen=True)
class Kind:
    """One kind of label: its noun, how an empty display name is read, its subject and answers."""

    name: str
    noun: str
    answers: tuple[str, ...]
    subject: str = "{label}"
    display: str = "name"

    def display_of(self, label: str) -> str:
        """What an empty ``display`` column means for a label of this kind."""
        return label.lower() if self.display == "lower" else label


@dataclass(frozen=True)
class Domain:
    """Everything a build says in words about its subject (see the module docstring)."""

    name: str
    noun: str
    plural: str
    label_word: str
    questions: tuple[str, ...]
    neutral_questions: tuple[str, ...]
    follow_up_questions: tuple[str, ...]
    follow_up_answers: tuple[str, ...]
    unknown_answers: tuple[str, ...]
    kinds: tuple[Kind, ...]
    young: str = ""
    young_plural: str = ""
    label_word_plural: str = ""
    extra_filler: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    title: str = ""
    tags: tuple[str, ...] = ()
    intro: str = ""
    catalogue: Path | None = None  # the label file beside it, if any
    source: Path | None = None  # the file it was read from
    text: str = ""  # that file's text: what a build carries

    @functools.cached_property
    def kind_map(self) -> dict[str, Kind]:
        """The kinds by name."""
        return {kind.name: kind for kind in self.kinds}

    @property
    def kind_names(self) -> tuple[str, ...]:
        """The kinds a catalogue row of this domain may name, in the file's order."""
        return tuple(kind.name for kind in self.kinds)

    @functools.cached_property
    def filler(self) -> frozenset[str]:
        """The words the answer parser ignores: articles, the subject's words, ``parser.filler``."""
        words = (self.noun, self.plural, self.young, self.young_plural, self.label_word, self.label_word_plural)
        return ARTICLES | {w.lower() for w in (*words, *self.extra_filler) if w and _WORD.match(w.lower())}

    @property
    def title_or_default(self) -> str:
        """The card's title: ``card.title``, else one made of the subject's words."""
        return self.title or f"{self.noun.capitalize()} {self.label_word_plural} VLM"


def load_domain(spec: str | os.PathLike[str] | Domain | None = None) -> Domain:
    """The domain ``spec`` names: None for the default, a shipped domain's name, or a file path."""
    if isinstance(spec, Domain):
        return spec
    if spec is None:
        return shipped_domain(DEFAULT_DOMAIN)
    text = os.fspath(spec)
    if text in shipped_names():
        return shipped_domain(text)
    path = Path(text)
    if not path.is_file():
        names = ", ".join(shipped_names())
        raise DomainFileError(f"{spec}: no such domain file, and not a shipped domain ({names})")
    return read_domain(path)


def default_domain() -> Domain:
    """The default domain (cats): what a build that names none is made with."""
    return shipped_domain(DEFAULT_DOMAIN)


@functools.cache
def shipped_names() -> tuple[str, ...]:
    """The names of the domains shipped with the package (their files' stems)."""
    from importlib import resources  # here: a command that reads no domain does not pay for it at start

    folder = resources.files(__package__) / SHIPPED_FOLDER
    return tuple(sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml")))


@functools.cache
def shipped_domain(name: str) -> Domain:
    """A shipped domain, read (and checked) once."""
    from importlib import resources

    with resources.as_file(resources.files(__package__) / SHIPPED_FOLDER / f"{name}.toml") as path:
        return read_domain(Path(path))


def read_domain(path: str | os.PathLike[str], *, catalogue: bool = True) -> Domain:
    """The domain of a TOML file, every rule checked (see the module docstring).

    With ``catalogue`` False the file's ``catalogue`` key is not followed (a build's copy: the
    build's own ``labels.csv`` is its catalogue).
    """
    if sys.version_info >= (3, 11):  # imported here: a command that reads no domain does not pay for it
        import tomllib
    else:  # the same parser, before it joined the standard library
        import tomli as tomllib

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DomainFileError(f"{path}: not a UTF-8 text file") from None
    except OSError as err:
        raise DomainFileError(f"cannot read domain file {path}: {err.strerror or err}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DomainFileError(f"{path}: not valid TOML ({err})") from None
    return _Reader(path, text, data).domain(follow_catalogue=catalogue)


class _Reader:
    """Reads one parsed file into a :class:`Domain`, failing on the first broken rule."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.text, self.data = path, text, data

    def fail(self, keys: tuple[str | int, ...], problem: str, value: object = None) -> DomainFileError:
        """The error of one field, with the line it is on (or the line of its table)."""
        where = ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in keys).replace(".[", "[")
        line = _line_of(self.text, keys, value)
        return DomainFileError(f"{self.path}, line {line}, {where}: {problem}")

    def get(self, keys: tuple[str, ...], kind: type, required: bool = False, default: Any = None) -> Any:
        """The value at ``keys`` when it has the type ``kind``; ``default`` when absent and optional."""
        value: Any = self.data
        for depth, key in enumerate(keys):
            if not isinstance(value, dict):
                raise self.fail(keys[:depth], "should be a table")
            if key not in value:
                if required:
                    raise self.fail(keys, "missing; a domain file needs it")
                return default
            value = value[key]
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise self.fail(keys, f"should be {_TYPE_NAMES[kind]}", value)
        return value

    def words(self, keys: tuple[str, ...], required: bool = False, default: str = "") -> str:
        value = self.get(keys, str, required, default).strip()
        if required and not value:
            raise self.fail(keys, "empty; a domain file needs it")
        return value

    def strings(self, keys: tuple[str, ...], required: bool = False) -> tuple[str, ...]:
        values = self.get(keys, list, required, [])
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail((*keys, i), "should be a non-empty string", value)
        if required and not values:
            raise self.fail(keys, "empty; give at least one")
        return tuple(values)

    def templates(self, keys: tuple[str, ...], allowed: tuple[str, ...], label: str) -> tuple[str, ...]:
        """Templates using only ``allowed`` fields; ``label`` "once" / "never" / "any" label fields."""
        values = self.strings(keys, required=True)
        for i, template in enumerate(values):
            try:
                used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
            except ValueError as err:
                raise self.fail(
                    (*keys, i), f"not a valid template ({err}; write {{{{ and }}}} for braces)", template
                ) from None
            naming = sum(name in LABEL_FIELDS for name in used)
            if label == "never" and naming:
                raise self.fail((*keys, i), "names the label; a question never does", template)
            for name in used:
                if name not in allowed:
                    choices = f"use {', '.join('{' + f + '}' for f in allowed)}" if allowed else "it takes none"
                    raise self.fail((*keys, i), f"{{{name}}} is not a field here ({choices})", template)
            if label == "once" and naming != 1:
                problem = "has no label placeholder" if not naming else "names the label more than once"
                raise self.fail((*keys, i), f"{problem} (use one of {{display}}, {{a_display}}, {{label}})", template)
        return values

    def kinds(self) -> dict[str, Kind]:
        table = self.get(("kinds",), dict, required=True)
        if not table:
            raise self.fail(("kinds",), "empty; declare at least one kind of label")
        kinds: dict[str, Kind] = {}
        for name in table:
            keys = ("kinds", name)
            if name == "unknown" or not name.strip():
                raise self.fail(keys, "reserved or empty kind name; a label in no catalogue uses answers.unknown")
            display = self.words((*keys, "display"), default="name")
            if display not in DISPLAY_RULES:
                raise self.fail((*keys, "display"), f"choose from {', '.join(DISPLAY_RULES)}", display)
            subject = self.words((*keys, "subject"), default="{label}")
            self.templates_of_subject((*keys, "subject"), subject)
            kinds[name] = Kind(
                name=name,
                noun=self.words((*keys, "noun"), required=True),
                answers=self.templates((*keys, "answers"), (*LABEL_FIELDS, "noun"), "once"),
                subject=subject,
                display=display,
            )
        return kinds

    def templates_of_subject(self, keys: tuple[str, ...], subject: str) -> None:
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(subject) if name is not None}
        except ValueError as err:
            raise self.fail(keys, f"not a valid template ({err})", subject) from None
        if len(used & {"label", "display"}) != 1 or used - {"label", "display"}:
            raise self.fail(keys, "must name the label once, by {label} or {display}", subject)

    def domain(self, follow_catalogue: bool = True) -> Domain:
        subject = self.get(("subject",), dict, required=True)
        del subject  # checked to be there; its fields are read one by one
        noun = self.words(("subject", "noun"), required=True)
        label_word = self.words(("subject", "label_word"), required=True)
        questions = self.templates(("questions", "first"), (), "never")
        neutral = self.templates(("questions", "neutral"), (), "never")
        for i, question in enumerate(neutral):
            if question not in questions:  # asked of every label too, so it never tells
                raise self.fail(("questions", "neutral", i), "must also be one of questions.first", question)
        catalogue = self.words(("catalogue",)) if follow_catalogue else ""
        catalogue_path = (self.path.parent / catalogue) if catalogue else None
        if catalogue_path is not None and not catalogue_path.is_file():
            raise self.fail(("catalogue",), f"no such label file: {catalogue_path}", catalogue)
        for i, word in enumerate(self.strings(("parser", "filler"))):
            if not _WORD.match(word.lower()):
                raise self.fail(("parser", "filler", i), "one word of letters and digits", word)
        kinds = self.kinds()
        return Domain(
            name=self.words(("name",)) or self.path.stem,
            noun=noun,
            plural=self.words(("subject", "plural")) or noun + "s",
            label_word=label_word,
            questions=questions,
            neutral_questions=neutral,
            follow_up_questions=self.templates(("questions", "follow_up"), ("noun",), "never"),
            follow_up_answers=self.templates(("answers", "follow_up"), ("subject", "Subject", "details"), "any"),
            unknown_answers=self.templates(("answers", "unknown"), LABEL_FIELDS, "once"),
            kinds=tuple(kinds.values()),
            young=self.words(("subject", "young")),
            young_plural=self.words(("subject", "young_plural")),
            label_word_plural=self.words(("subject", "label_word_plural")) or label_word + "s",
            extra_filler=tuple(w.lower() for w in self.strings(("parser", "filler"))),
            priority=self.strings(("priority",)),
            title=self.words(("card", "title")),
            tags=self.strings(("card", "tags")),
            intro=self.get(("card", "intro"), str, default="").strip(),
            catalogue=catalogue_path,
            source=self.path,
            text=self.text,
        )


_TYPE_NAMES = {str: "a string", list: "a list", dict: "a table", bool: "true or false", int: "a number"}
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|[A-Za-z0-9_-]+)\s*=")


def _line_of(text: str, keys: tuple[str | int, ...], value: object = None) -> int:
    """The line of the field ``keys`` in a TOML text: the line holding ``value`` when given
    (an item of a list), else its key's line, else its table's header line, else line 1.

    Reads ``[table]`` headers and ``key =`` lines, which is how the domain files are written
    (dotted keys and inline tables are located by their table).
    """
    names = tuple(k for k in keys if isinstance(k, str))
    table: tuple[str, ...] = ()
    best = 1
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(part.strip().strip('"') for part in re.findall(r'"[^"]*"|[^.]+', header[1]))
            if table == names[: len(table)] and len(table) <= len(names):
                best = number
            continue
        key = _KEY.match(line)
        if key and table + (key[1].strip('"'),) == names[: len(table) + 1] and len(table) + 1 == len(names):
            if isinstance(value, str) and value:
                return _value_line(lines, number, value)
            return number
    return best


def _value_line(lines: list[str], start: int, value: str) -> int:
    """The first line from ``start`` (1-based) holding the beginning of ``value``, else ``start``."""
    probe = value.strip().splitlines()[0][:40] if value.strip() else value
    for number in range(start, len(lines) + 1):
        if probe in lines[number - 1]:
            return number
    return start


def write_domain_file(domain: Domain, path: str | os.PathLike[str]) -> None:
    """Write the file ``domain`` was read from as ``path`` (a build's copy), atomically.

    The copy is read with :func:`read_carried_domain`: its ``catalogue`` key is not followed,
    since the build's ``labels.csv`` is its catalogue.
    """
    write_text_atomic(Path(path), domain.text)


def read_carried_domain(path: str | os.PathLike[str]) -> Domain:
    """The domain a build carries (its ``domain.toml``), its catalogue key not followed."""
    return read_domain(path, catalogue=False)
