"""Label files: read and check a catalogue file (CSV), and write the one a build carries.

The format, one label a row, UTF-8, a header row first::

    name,display,kind,description,aliases
    Abyssinian,,breed,"A slender, short-haired breed with a ticked coat.",abyssinian cat; aby
    Tiger,tiger-striped,coat pattern,"A shelter name for a striped tabby coat pattern.",tiger cat

- ``name``: the exact folder name (required, once per file).
- ``display``: how a sentence names the label mid-sentence; empty means what the kind's
  ``display`` rule in the domain says: the name (a cat breed), or the name in lower case (the
  cat domain's other kinds: "tabby", "domestic short-haired cat").
- ``kind``: one of the domain's kinds (required); the cat domain's are ``breed``, ``coat
  pattern``, ``domestic type`` and ``coat colour``.
- ``description``: may be empty; else one or two factual sentences that read on after
  "<name> is ": starting with "A", "An" or "One", ending with a full stop.
- ``aliases``: other names, separated by ``;``. No name (folder name, display name or alias,
  compared as the answer parser compares words, the domain's filler words ignored) may belong
  to two labels.

Lines starting with ``#`` are comments. Every problem is a :class:`LabelFileError` naming the
file, the line and the column, on one line.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..atomic import write_text_atomic
from ..errors import UserError
from .catalog import LabelInfo
from .domain import Domain, load_domain
from .parse import tokens

COLUMNS: tuple[str, ...] = ("name", "display", "kind", "description", "aliases")
ALIAS_SEPARATOR = ";"
#: The name of the label file a build carries (in the build folder, named in ``build.json``).
LABEL_FILE = "labels.csv"
_DESCRIPTION_STARTS = ("A ", "An ", "One ")

Located = tuple[int, LabelInfo]  # (line number, entry)


class LabelFileError(UserError):
    """A label file that cannot be used; the message names the file, the line and the column."""


def _fail(path: str | os.PathLike[str], line: int, field: str, problem: str) -> LabelFileError:
    return LabelFileError(f"{path}, line {line}, {field}: {problem}")


def read_label_file(path: str | os.PathLike[str], domain: Domain | None = None) -> list[Located]:
    """The entries of a label file, each with its line number, checked (see the module docstring)
    against ``domain``'s kinds and filler words (default: the default domain's)."""
    domain = load_domain(domain)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LabelFileError(f"{path}: not a UTF-8 text file") from None
    except OSError as err:
        raise LabelFileError(f"cannot read label file {path}: {err.strerror or err}") from None
    entries = [(line, _entry(path, line, row, domain)) for line, row in _rows(path, text)]
    _check_unique(path, entries, domain.filler)
    return entries


def _rows(path: str | os.PathLike[str], text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {column: value})`` for each row after the header; comment lines skipped."""
    lines = ("\n" if line.startswith("#") else line for line in io.StringIO(text))
    reader = csv.reader(lines)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise _fail(path, start, "row", f"not valid CSV ({err})") from None
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = _check_header(path, start, cells)
            continue
        if len(cells) > len(header):
            raise _fail(path, start, "row", f"{len(cells)} cells, but the header has {len(header)} columns")
        yield start, {column: cell.strip() for column, cell in zip(header, cells)}
    if header is None:
        raise LabelFileError(f"{path}: empty; a label file starts with the header {','.join(COLUMNS)}")


def _check_header(path: str | os.PathLike[str], line: int, cells: list[str]) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    for column in header:
        if column not in COLUMNS or header.count(column) > 1:
            problem = "twice" if column in COLUMNS else "not a column of a label file"
            raise _fail(path, line, column or "header", f"{problem} (the columns are: {', '.join(COLUMNS)})")
    for column in COLUMNS:
        if column not in header:
            raise _fail(path, line, column, f"no {column!r} column (the header needs: {', '.join(COLUMNS)})")
    return header


def _entry(path: str | os.PathLike[str], line: int, row: dict[str, str], domain: Domain) -> LabelInfo:
    """One row as a :class:`LabelInfo`, each field checked."""
    name, kind, description = row.get("name", ""), row.get("kind", ""), row.get("description", "")
    if not name:
        raise _fail(path, line, "name", "empty; every row needs the label's folder name")
    if kind not in domain.kind_map:
        found = f"{kind!r} is not a kind of the {domain.name} domain" if kind else "empty"
        raise _fail(path, line, "kind", f"{found}; choose from {', '.join(domain.kind_names)}")
    if description and not (description.startswith(_DESCRIPTION_STARTS) and description.endswith(".")):
        raise _fail(
            path, line, "description",
            "must read on after '<name> is ': start with 'A', 'An' or 'One' and end with a full stop",
        )  # fmt: skip
    aliases = [alias.strip() for alias in row.get("aliases", "").split(ALIAS_SEPARATOR)]
    display = row.get("display") or domain.kind_map[kind].display_of(name)
    for field, value in [("name", name), ("display", display), *(("aliases", a) for a in aliases if a)]:
        if not tokens(value, domain.filler):
            raise _fail(path, line, field, f"{value!r} has no word an answer could be matched on")
    return LabelInfo(name, display, kind, description, tuple(dict.fromkeys(a for a in aliases if a)))


def _check_unique(path: str | os.PathLike[str], entries: list[Located], filler: frozenset[str]) -> None:
    """No label twice, and no name (as the parser reads it) belonging to two labels."""
    seen: dict[str, int] = {}
    for line, info in entries:
        if info.label in seen:
            raise _fail(path, line, "name", f"{info.label!r} is already on line {seen[info.label]}")
        seen[info.label] = line
    _check_names(path, entries, {}, filler)


def _check_names(
    path: str | os.PathLike[str], entries: list[Located], owners: dict[tuple, str], filler: frozenset[str]
) -> None:
    """Raise naming the line when a name of an entry is already a name of another label."""
    where = {info.label: line for line, info in entries}
    for line, info in entries:
        for field, name in zip(("name", "display", *["aliases"] * len(info.aliases)), info.names):
            owner = owners.setdefault(tokens(name, filler), info.label)
            if owner != info.label:
                place = f"line {where[owner]}" if owner in where else "the catalogue it adds to"
                raise _fail(path, line, field, f"{name!r} is already a name of {owner!r} ({place})")


def merge(
    base: Iterable[LabelInfo], entries: list[Located], path: str | os.PathLike[str], domain: Domain | None = None
) -> list[LabelInfo]:
    """``base`` with ``entries`` (from the label file ``path``) added or replacing entries of the same name."""
    filler = load_domain(domain).filler
    replaced = {info.label for _, info in entries}
    kept = [info for info in base if info.label not in replaced]
    owners = {tokens(name, filler): info.label for info in kept for name in info.names}
    _check_names(path, entries, owners, filler)
    return kept + [info for _, info in entries]


def write_label_file(entries: Iterable[LabelInfo], path: str | os.PathLike[str]) -> None:
    """Write ``entries`` as a label file (sorted by name, every column spelled out), atomically."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for info in sorted(entries, key=lambda i: i.label):
        aliases = f"{ALIAS_SEPARATOR} ".join(info.aliases)
        writer.writerow([info.label, info.display, info.kind, info.description, aliases])
    write_text_atomic(Path(path), out.getvalue())
