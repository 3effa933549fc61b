"""English articles: :func:`with_article` puts "a" or "an" before a phrase ("an Abyssinian", "a Bengal")."""

from __future__ import annotations

import re
import unicodedata

# Words whose first letter misleads: "an hour", "a unicorn", "a European", "a one-eyed cat".
_AN_PREFIXES: tuple[str, ...] = ("hour", "honest", "honou", "heir")
_A_PREFIXES: tuple[str, ...] = ("uni", "use", "usu", "uti", "ubiq", "eu", "ewe", "one", "once")
# Initialisms are read letter by letter: "an M-shaped", "an SUV", but "a DSH".
_LETTERS_READ_WITH_VOWEL = "AEFHILMNORSX"


def with_article(phrase: str) -> str:
    """``phrase`` with "a" or "an" in front, chosen by the sound of its first word.

    The rule: initialisms (all capitals, up to four letters) by the name of their first
    letter; then the exception prefixes above; otherwise "an" before a vowel letter. It is
    right for every display name in the built-in catalogue ("an Abyssinian", "an Ocicat",
    "a Bengal", "a York Chocolate").
    """
    first = next(iter(re.findall(r"\w+", phrase)), "")  # the first word, past any punctuation
    if not phrase.strip():
        raise ValueError(f"cannot put an article before an empty phrase: {phrase!r}")
    if not first:  # nothing but punctuation: no sound to go by
        return f"a {phrase.strip()}"
    first = unicodedata.normalize("NFKD", first)  # "Égyptien" is read as "Egyptien"
    if first.isalpha() and first.isupper() and len(first) <= 4:
        use_an = first[0] in _LETTERS_READ_WITH_VOWEL
    elif first.lower().startswith(_AN_PREFIXES):
        use_an = True
    elif first.lower().startswith(_A_PREFIXES):
        use_an = False
    else:
        use_an = first[0].lower() in "aeiou"
    return f"{'an' if use_an else 'a'} {phrase.strip()}"
