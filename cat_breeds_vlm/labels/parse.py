"""Map a model's free-text answer back to the one breed label it names, or to None.

A substring test gives wrong scores on this label set: "Siamese" is inside "Applehead Siamese",
"Tabby" inside "Oriental Tabby", and "Oriental Short Hair" / "Oriental Long Hair" share words.
So answers and label names are both normalised to word tokens and matched as whole token
sequences:

1. Normalise: "n't" read as "not", possessive "'s" and other apostrophes dropped, Unicode
   folded to lower-case ASCII; punctuation and hyphens split words ("Extra-Toes" -> "extra
   toes"); compounds split ("shorthair", "short-haired" -> "short hair"; "tortoiseshell" ->
   "tortoise shell"); articles and the filler words "cat" / "breed" / "kitten" dropped.
2. Names: each label is known by its folder name, its catalogue display name and aliases
   (:class:`~cat_breeds_vlm.labels.catalog.Catalog`: the built-in one unless another is given,
   such as the one a build carries). Only the labels passed in count; a name shared by two
   labels names both.
3. Match per clause (clauses end at . , ; : ! ? brackets and "but" / "however" / "although" /
   "though" / "whereas"): every name occurrence is found, then taken longest first; a shorter
   match overlapping a taken one is dropped ("applehead siamese" hides its "siamese").
4. Negation: a match preceded in its clause by a negation ("not", "no", "isn't", "never",
   "rather than", "instead of", ...) denies that label instead of naming it ("not a Persian").
   "no doubt" and "not only" are not negations.
5. Decide: exactly one label named and not denied -> that label. A label both named and denied,
   or two different labels named anywhere in the answer, gives None (a hedge such as "a Siamese
   or an Applehead Siamese" is not credited to either).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .catalog import Catalog, builtin_catalog
from .domain import default_domain

Tokens = tuple[str, ...]

#: Words written both as one word and as two, besides the hair compounds ("shorthair").
COMPOUNDS: Mapping[str, Tokens] = {
    "tortoiseshell": ("tortoise", "shell"),
    "applehead": ("apple", "head"),
}
#: Token sequences that deny the label named after them in the same clause.
NEGATIONS: frozenset[Tokens] = frozenset(
    {
        ("not",), ("no",), ("never",), ("nor",), ("neither",), ("non",), ("unlike",),
        ("isnt",), ("arent",), ("wasnt",), ("aint",), ("doesnt",), ("dont",), ("cant",),
        ("cannot",), ("rather", "than"), ("instead", "of"),
    }
)  # fmt: skip
#: Phrases that start like a negation but deny nothing.
NOT_NEGATIONS: frozenset[Tokens] = frozenset({("no", "doubt"), ("not", "only")})

_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\n]+|\b(?:but|however|although|though|whereas)\b")
_NT = re.compile(r"n['\u2019]t\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s\b", re.IGNORECASE)
_APOSTROPHE = re.compile(r"['\u2019]")
_WORD = re.compile(r"[a-z0-9]+")
_HAIR_COMPOUND = re.compile(r"^(short|medium|long|wire)?(hair|haired|hairs)$")


def fold(text: str) -> str:
    """Lower-case ASCII ``text``, "n't" spelled "not", possessives and apostrophes removed."""
    text = _APOSTROPHE.sub("", _POSSESSIVE.sub("", _NT.sub(" not", text)))
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode("ascii")


def _split_compound(word: str) -> Tokens:
    """A compound word as its parts: ``"shorthaired"`` -> ``("short", "hair")``."""
    if word in COMPOUNDS:
        return COMPOUNDS[word]
    hair = _HAIR_COMPOUND.match(word)
    if hair is None:
        return (word,)
    return (hair[1], "hair") if hair[1] else ("hair",)


def _or_default(filler: frozenset[str] | None) -> frozenset[str]:
    """``filler``, or the words the default (cat) domain's parser ignores for None."""
    return default_domain().filler if filler is None else filler


def tokens(text: str, filler: frozenset[str] | None = None) -> Tokens:
    """The normalised word tokens of ``text`` (no clause splitting), ``filler`` dropped (default:
    the words the cat domain's parser ignores)."""
    filler = _or_default(filler)
    words = _WORD.findall(fold(text))
    return tuple(part for word in words for part in _split_compound(word) if part not in filler)


def clauses(text: str, filler: frozenset[str] | None = None) -> list[Tokens]:
    """``text`` cut into clauses, each as its normalised tokens (``filler`` as :func:`tokens`);
    empty clauses left out."""
    filler = _or_default(filler)
    pieces = (tokens(piece, filler) for piece in _CLAUSE_BREAK.split(fold(text)))
    return [piece for piece in pieces if piece]


@dataclass(frozen=True)
class _Match:
    """One name occurrence in a clause: tokens ``start:end`` name ``labels``."""

    start: int
    end: int
    labels: frozenset[str]

    def overlaps(self, other: _Match) -> bool:
        """True when the two matches share a token."""
        return self.start < other.end and other.start < self.end


class BreedParser:
    """:func:`parse_breed` for one fixed label set, with its name table built once."""

    def __init__(
        self, labels: Iterable[str], catalog: Catalog | None = None, filler: frozenset[str] | None = None
    ) -> None:
        """Build the token-sequence table of every name of every label in ``labels``.

        Names come from ``catalog`` (default: the built-in one); a label it lacks is known by
        its own name only. ``filler`` are the words ignored in names and answers (default: the
        cat domain's; a build's own: its domain's :attr:`~cat_breeds_vlm.labels.domain.Domain.filler`).
        """
        catalog = builtin_catalog() if catalog is None else catalog
        filler = _or_default(filler)
        self.filler = filler
        phrases: dict[Tokens, set[str]] = {}
        for label in sorted(set(labels)):
            for name in catalog.info(label).names:
                if phrase := tokens(name, filler):
                    phrases.setdefault(phrase, set()).add(label)
        self.phrases = {phrase: frozenset(names) for phrase, names in phrases.items()}
        self.longest = max(map(len, self.phrases), default=0)

    def __call__(self, answer: str) -> str | None:
        """The one label ``answer`` names (see the module docstring), or None."""
        named: set[str] = set()
        denied: set[str] = set()
        for clause in clauses(answer, self.filler):
            for match in self._matches(clause):
                (denied if _negated(clause, match.start) else named).update(match.labels)
        if len(named) != 1 or named & denied:
            return None
        return named.pop()

    def _matches(self, clause: Tokens) -> list[_Match]:
        """Name occurrences in ``clause``, longest first, overlapping shorter ones dropped."""
        found = [
            _Match(start, start + size, self.phrases[clause[start : start + size]])
            for start in range(len(clause))
            for size in range(1, min(self.longest, len(clause) - start) + 1)
            if clause[start : start + size] in self.phrases
        ]
        taken: list[_Match] = []
        for match in sorted(found, key=lambda m: (m.start - m.end, m.start)):
            if not any(match.overlaps(other) for other in taken):
                taken.append(match)
        return taken


def _negated(clause: Tokens, start: int) -> bool:
    """True when a negation occurs in ``clause`` before token ``start``."""
    for i in range(start):
        if clause[i : i + 2] in NOT_NEGATIONS:
            continue
        if clause[i : i + 1] in NEGATIONS or (i + 2 <= start and clause[i : i + 2] in NEGATIONS):
            return True
    return False


@functools.lru_cache(maxsize=8)
def _parser_for(labels: frozenset[str], catalog: Catalog, filler: frozenset[str]) -> BreedParser:
    """The parser of a label set, catalogue and filler words, built once per triple."""
    return BreedParser(labels, catalog, filler)


def parse_breed(
    answer: str, labels: Iterable[str], catalog: Catalog | None = None, filler: frozenset[str] | None = None
) -> str | None:
    """The one label of ``labels`` that ``answer`` names; None for none, several, or a denial.

    ``catalog`` gives the labels' other names (default: the built-in catalogue; a build's own
    is :func:`cat_breeds_vlm.evaluate.score.catalog_for`); ``filler`` the words ignored (default:
    the cat domain's).

    >>> parse_breed("This looks like an Applehead Siamese.", ["Siamese", "Applehead Siamese"])
    'Applehead Siamese'
    >>> parse_breed("It is not a Siamese.", ["Siamese", "Applehead Siamese"]) is None
    True
    """
    catalog = builtin_catalog() if catalog is None else catalog
    return _parser_for(frozenset(labels), catalog, _or_default(filler))(answer)
