"""The dataset's licence and source note: build options, checked here and written into the card.

The licence is one of the identifiers the Hugging Face Hub accepts in a card's ``license:``
field (``hub_licenses.tsv`` beside this module, copied from the Hub's documentation; nothing is
fetched at run time). The default is ``unknown``: a build cannot know who owns the photos, so
it claims nothing. The source note (free text, empty by default) says where the photos come from.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

DEFAULT_LICENSE = "unknown"
#: Where the Hub lists its licence identifiers (named in error messages).
HUB_LICENSES_URL = "https://huggingface.co/docs/hub/repositories-licenses"
# "other" asks the Hub for a licence name and a LICENSE file a build cannot write honestly.
_REFUSED = {
    "other": "'other' needs the licence's text and name, which a build cannot supply: give a "
    "listed identifier, or keep 'unknown' and state the terms with --source",
}


@functools.cache
def hub_licenses() -> dict[str, str]:
    """The Hub's licence identifiers and their full names, in the Hub's order."""
    from importlib import resources  # here: a command that checks no licence does not pay for it at start

    text = (resources.files(__package__) / "hub_licenses.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {identifier: name for identifier, name in rows}


def license_problem(value: str) -> str | None:
    """Why ``value`` cannot be the dataset's licence, or None when it can."""
    if value in _REFUSED:
        return _REFUSED[value]
    if value in hub_licenses():
        return None
    close = difflib.get_close_matches(value.lower(), hub_licenses(), n=3)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return f"{value!r} is not a licence identifier the Hub accepts{hint}; see {HUB_LICENSES_URL}"


def licence_section(settings: dict[str, Any]) -> str:
    """The card's "License" section, from a build's settings (older builds: unknown, no note)."""
    licence = settings.get("license") or DEFAULT_LICENSE
    if licence == DEFAULT_LICENSE:
        text = (
            "Unknown: no licence was given when this dataset was built (`--license`). Whoever took"
            " the photos keeps their rights; keep this dataset private unless you may share it."
        )
    else:
        name = hub_licenses().get(licence, licence)
        text = f"`{licence}` ({name}), as stated by whoever built this dataset (`--license`)."
    source = (settings.get("source") or "").strip()
    note = f"Source: {source}" if source else "Source: not stated when this dataset was built (`--source`)."
    return f"## License\n\n{text}\n\n{note}"
