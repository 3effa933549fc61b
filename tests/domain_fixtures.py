"""Domains for the tests: the shipped ones and a flower domain a user writes (its TOML and its
catalogue), and the small trees of the guarantee tests relabelled for each domain."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

from cat_breeds_vlm.labels.catalog import Catalog, domain_catalog
from cat_breeds_vlm.labels.domain import Domain, load_domain

#: A complete domain file a user writes for flower photos (the example of docs/domains.md).
FLOWERS_TOML = """\
catalogue = "flowers.csv"

[subject]
noun = "flower"
label_word = "species"
label_word_plural = "species"

[questions]
first = ["What flower is this?", "What kind of flower is this?", "Which species of flower is shown here?"]
neutral = ["What flower is this?", "What kind of flower is this?"]
follow_up = ["What is this {noun} known for?", "Tell me more about this {noun}."]

[answers]
unknown = ["This flower is labelled {label}.", "The label for this flower is {label}."]
follow_up = ["{Subject} is {details}", "In short, {subject} is {details}"]

[kinds.species]
noun = "species"
display = "lower"
answers = ["This is {a_display}.", "It looks like {a_display} to me.", "I would say this is {a_display}."]
"""
FLOWERS_CSV = """\
name,display,kind,description,aliases
Daisy,,species,"A small flower with white petals around a yellow centre.",common daisy; bellis
Dandelion,,species,"A yellow wild flower whose seed heads form round, white clocks.",taraxacum
Iris,,species,"A plant with showy flowers of three upright and three drooping petals.",
Lily,,species,"A bulb plant with large, trumpet-shaped flowers.",
Orchid,,species,"One of a very large family of flowering plants with intricate flowers.",
Rose,,species,"A woody, often thorny shrub grown for its fragrant flowers.",
Sunflower,,species,"A tall plant with a large yellow flower head.",helianthus
"""

#: The small trees' folder names (the cat labels of ``conftest.SMALL_COUNTS`` and the other
#: fixtures) for each domain: the same shapes, other labels; the last of each is in no catalogue.
RELABEL: dict[str, dict[str, str]] = {
    "dogs": {
        "Abyssinian": "Beagle",
        "Bengal": "Pug",
        "Burmilla": "Samoyed",
        "Calico": "Boxer",
        "Chinchilla": "Keeshond",
        "Domestic Short Hair": "Yorkshire Terrier",
        "Sphynx - Hairless Cat": "Saint Bernard",
        "York Chocolate": "German Shepherd",
    },
    "flowers": {
        "Abyssinian": "Daisy",
        "Bengal": "Rose",
        "Burmilla": "Tulip Mystery",
        "Calico": "Sunflower",
        "Chinchilla": "Iris",
        "Domestic Short Hair": "Dandelion",
        "Sphynx - Hairless Cat": "Orchid",
        "York Chocolate": "Lily",
    },
}
DOMAINS = ("cats", "dogs", "flowers")
#: The subject words of the cat domain, and the package's own name (which may say "cat").
CAT_WORDS = re.compile(r"\b(?:cats?|kittens?|kitty)\b", re.IGNORECASE)
TOOL_NAMES = ("cat-breeds-vlm", "cat_breeds_vlm", "CatBreedsVLM")


def write_flower_domain(folder: Path) -> Path:
    """The user's flower domain file (and its catalogue beside it) in ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "flowers.csv").write_text(FLOWERS_CSV, encoding="utf-8")
    path = folder / "flowers.toml"
    path.write_text(FLOWERS_TOML, encoding="utf-8")
    return path


_FLOWERS: list[Path] = []


def flower_domain_file() -> Path:
    """The flower domain file, written once per test session into a private folder."""
    if not _FLOWERS:
        folder = Path(tempfile.mkdtemp(prefix="flower-domain-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _FLOWERS.append(write_flower_domain(folder))
    return _FLOWERS[0]


def domain_spec(name: str) -> str | None:
    """What ``--domain`` / ``BuildSettings.domain`` take for a domain: None for cats (the default)."""
    if name == "cats":
        return None
    return name if name == "dogs" else str(flower_domain_file())


def domain_and_catalog(name: str) -> tuple[Domain, Catalog]:
    domain = load_domain(domain_spec(name))
    return domain, domain_catalog(domain)


def relabel(name: str, label: str) -> str:
    """A cat label of a test tree as the domain ``name`` calls that folder."""
    return RELABEL.get(name, {}).get(label, label)


def cat_words(text: str) -> list[str]:
    """The cat domain's subject words in ``text``, the package's own name apart."""
    for tool in TOOL_NAMES:
        text = text.replace(tool, "")
    return CAT_WORDS.findall(text)
