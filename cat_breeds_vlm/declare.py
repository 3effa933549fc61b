"""Settings declared once: each a dataclass field that says its default, its kind and range or
choices, its help text, its command-line flag, and how the command line and ``build.json``
spell its value.

Everything else is derived from the declarations: the checks a :class:`Settings` dataclass runs
at construction (errors that name the setting, its flag and the bad value), its values as a
report records them (:meth:`Settings.recorded`), the command line that repeats them
(:meth:`Settings.command_words`) and the flag of each (:meth:`Settings.flag_of`); the click
options of a command come from :func:`cat_breeds_vlm.cli.options.declared_options`. A new setting
is one :func:`setting` field::

    @dataclass
    class GateSettings(Settings):
        min_side: int = setting(32, "Skip images whose shorter side is below this many pixels.", kind=INT, low=0)

Light on purpose (no click, no ``datasets``): the builder config and the pipeline use it too.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import SettingsError

#: The kinds of value a setting holds; each has its click type and its checks.
INT, NUMBER, FLAG, TEXT, CHOICE, FILE, NAMES = "int", "number", "flag", "text", "choice", "file", "names"


@dataclass(frozen=True)
class Setting:
    """One setting's declaration (the field's name and default are the dataclass field's)."""

    help: str
    kind: str
    low: float | None = None  # the range, for INT and NUMBER: low <= value <= high (< high when high_open)
    high: float | None = None
    high_open: bool = False
    low_open: bool = False  # low < value (a timeout: above 0)
    required: bool = False  # no default: the command line must give it (the field has none either)
    choices: tuple[str, ...] = ()  # for CHOICE
    optional: bool = False  # None is a value too: "none given"
    flag: str = ""  # the command line's option; "" is ``--`` and the name with dashes
    metavar: str | None = None
    check: Callable[[Any], str | None] | None = None  # a further rule: what is wrong with the value, or None
    echo: Callable[[Any], str] = str  # the value as the echoed command line spells it
    record: Callable[[Any], Any] | None = None  # the value as the report records it (default: as is)
    name: str = ""  # filled from the field
    default: Any = None  # filled from the field

    @property
    def option(self) -> str:
        """The command-line flag: ``--val-ratio``, or the one declared (``--priority``)."""
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def range_text(self) -> str:
        """The range in words: ``in [0, 1)``, ``>= 1``, or ``""`` for none."""
        if self.low is not None and self.high is not None:
            opening = "(" if self.low_open else "["
            return f"in {opening}{_bound(self.low)}, {_bound(self.high)}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {_bound(self.low)}"
        return ""

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this setting, as words after its name, or None."""
        if value is None and self.optional:
            return None
        must = self._kind_problem(value)
        if must:
            return f"must be {must}{' or None' if self.optional else ''}, got {value!r}"
        return None

    def _kind_problem(self, value: Any) -> str | None:
        """``value``'s kind or range problem, as what it must be instead (``an integer >= 1``)."""
        if self.kind in (INT, NUMBER):
            kinds = (int,) if self.kind == INT else (int, float)
            what = f"{'an integer' if self.kind == INT else 'a number'} {self.range_text}".strip()
            if isinstance(value, bool) or not isinstance(value, kinds) or not self._in_range(value):
                return what
        elif self.kind == FLAG and not isinstance(value, bool):
            return "True or False"
        elif self.kind == CHOICE and value not in self.choices:
            return "one of " + ", ".join(map(repr, self.choices))
        elif self.kind == TEXT and not isinstance(value, str):
            return "a string"
        elif self.kind == FILE and not isinstance(value, (str, os.PathLike)):
            return "a file path"
        elif self.kind == NAMES and (isinstance(value, str) or not all(isinstance(v, str) for v in value)):
            return "a list of names"
        return None

    def _in_range(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True

    def words(self, value: Any) -> list[str]:
        """The command-line words that give ``value`` (none for no value)."""
        if self.kind == FLAG:
            return [self.option if value else "--no-" + self.option[2:]]
        if self.kind == NAMES:
            return [word for name in value for word in (self.option, name)]
        if value is None or value == "":
            return []
        return [self.option, self.echo(value)]

    def recorded(self, value: Any) -> Any:
        """The value as the build report records it (JSON: a tuple becomes a list)."""
        if self.record is not None:
            return self.record(value)
        return list(value) if isinstance(value, tuple) else value


def _bound(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def setting(default: Any, help: str, kind: str, **declared: Any) -> Any:
    """A dataclass field declaring a setting: its default, help text, kind and the rest of :class:`Setting`.

    With ``required=True`` the field has no default (``default`` is ignored: pass None).
    """
    meta = {"setting": Setting(help, kind, **declared)}
    if declared.get("required"):
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@functools.cache
def declarations(cls: type) -> tuple[Setting, ...]:
    """The settings a dataclass declares, in field order (inherited ones first), named and with their defaults."""
    return tuple(
        dataclasses.replace(field.metadata["setting"], name=field.name, default=field.default)
        for field in dataclasses.fields(cls)
        if "setting" in field.metadata
    )


class Settings:
    """The base of a dataclass of declared settings: checked at construction, recorded, echoed.

    A subclass adds checks of more than one setting (or of a setting against more than its
    declaration) in :meth:`_check_together`, calling ``super()`` first, so a dataclass that
    inherits several parts runs every part's checks.
    """

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every setting; raise :class:`SettingsError` naming the first bad one, its flag and value."""
        for declared in declarations(type(self)):
            value = getattr(self, declared.name)
            if declared.kind == NAMES and isinstance(value, list):
                value = tuple(value)
                setattr(self, declared.name, value)
            must = declared.problem(value)
            if must is None and declared.check is not None and value is not None:
                if why := declared.check(value):
                    raise self.refused(declared.name, problem=why, clause=True)
            if must is not None:
                raise self.refused(declared.name, problem=must)
        self._check_together()

    def _check_together(self) -> None:
        """Checks of several settings at once (each part adds its own, calling ``super()`` first)."""

    @classmethod
    def refused(cls, *names: str, problem: str, clause: bool = False) -> SettingsError:
        """The error for ``names``' values: ``problem`` reads after their names (``must be ...``),
        or, as a ``clause``, says itself what is wrong (``'x' is not a breed folder``)."""
        flags = tuple(cls.flag_of(name) for name in names)
        return SettingsError(problem, names=names, flags=flags, clause=clause)

    @classmethod
    def flag_of(cls, name: str) -> str:
        """The command-line flag of a setting (``val_ratio`` -> ``--val-ratio``); a name this class
        does not declare (an older report's) gets the same spelling."""
        for declared in declarations(cls):
            if declared.name == name:
                return declared.option
        return "--" + name.replace("_", "-")

    def is_default(self, name: str) -> bool:
        """True when the setting ``name`` has its declared default (given or not)."""
        return getattr(self, name) == next(d.default for d in declarations(type(self)) if d.name == name)

    def recorded(self) -> dict[str, Any]:
        """Every setting as the build report records it (plain JSON values), in declaration order."""
        return {d.name: d.recorded(getattr(self, d.name)) for d in declarations(type(self))}

    def command_words(self) -> list[str]:
        """The command-line words that give every setting its value here, in declaration order."""
        return [word for d in declarations(type(self)) for word in d.words(getattr(self, d.name))]


def short_number(value: float) -> str:
    """A number in the fewest digits (``8.0`` -> ``8``), as a user types it."""
    return f"{value:g}"
