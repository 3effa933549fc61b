"""Score a fine-tuned model's answers on one split of a built dataset.

Predictions are ``{"id", "answer"}`` records (a JSONL file, or a list of dicts), one per row id;
extra keys are ignored, so a prompts file (:mod:`cat_breeds_vlm.evaluate.prompts`) with an ``"answer"``
added to each line is a predictions file. Each answer is mapped back to a label with
:func:`cat_breeds_vlm.labels.parse.parse_breed`; then:

- every row of the split is scored: a row whose answer names no single label is predicted
  ``(unparseable)``, a row with no prediction at all is predicted ``(missing)``, and both count
  as wrong, and both are counted and listed in the report, never dropped;
- a prediction id appearing twice, or not in the split, is an error (a wrong file or ``--split``);
- accuracy, balanced accuracy (the mean recall over the breeds with rows in the split) and
  macro-F1 (the mean F1 over the same breeds) come from scikit-learn, as do the per-breed
  precision / recall / F1 / support;
- answers are read with the dataset's own label catalogue and domain: the label file and the
  domain file its build carries (:func:`catalog_for`, :func:`domain_for`), so a copy loaded
  from the Hub knows the same names, aliases and filler words ("It's a Saint Bernard dog"
  names the label "Saint Bernard" in the dog domain);
- the same three figures, and the priority macro-F1, also over the answered rows alone
  (:class:`Overall`, ``answered_only``): after ``predict --limit 8`` the whole split's figures
  mostly count rows never asked, the answered rows' say how the model did on what it saw;
- the priority breeds get their own block: the breeds the dataset was built to favour
  (its ``build.json``), else the domain's default priority labels;
- the most frequent confusions (expected breed -> another predicted breed) are listed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import datasets

from ..atomic import atomic_output
from ..dataset.loading import dataset_file, dataset_report
from ..dataset.locate import Located, locate
from ..errors import OptionError, UserError
from ..labels.catalog import Catalog, load_catalog
from ..labels.domain import Domain, default_domain, load_domain, read_carried_domain
from ..labels.parse import BreedParser

#: The prediction of a row whose answer names no single label.
UNPARSEABLE = "(unparseable)"
#: The prediction of a row that has no answer in the predictions.
MISSING = "(missing)"
#: How many ids an error message or a printed list names.
SHOWN = 5

Predictions = str | os.PathLike[str] | Iterable[Mapping[str, Any]]


@dataclass(frozen=True)
class BreedScore:
    """How one breed fared: rows of it (support), rows predicted as it, precision, recall, F1."""

    breed: str
    support: int
    predicted: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Confusion:
    """``count`` rows of breed ``expected`` answered as another breed, ``predicted``."""

    expected: str
    predicted: str
    count: int


@dataclass(frozen=True)
class Unparsed:
    """A row whose answer names no single label."""

    id: str
    answer: str


@dataclass(frozen=True)
class Overall:
    """Accuracy, balanced accuracy and macro-F1 over some rows (the breeds with rows among them)."""

    rows: int
    correct: int
    accuracy: float
    balanced_accuracy: float
    macro_f1: float
    breeds: int  # breeds with rows among them: what the macro averages are over
    priority_macro_f1: float | None  # over the priority breeds with rows among them


@dataclass(frozen=True)
class ScoreReport:
    """The scores of one split; :func:`format_report` prints it, :meth:`to_dict` is its JSON."""

    split: str
    rows: int
    correct: int
    accuracy: float
    balanced_accuracy: float
    macro_f1: float
    breeds: tuple[BreedScore, ...]  # the breeds with rows in the split, in label order
    priority: tuple[BreedScore, ...]  # every priority breed, support 0 when none in the split
    priority_macro_f1: float | None  # over the priority breeds with rows in the split
    confusions: tuple[Confusion, ...]
    unparseable: tuple[Unparsed, ...]
    missing: tuple[str, ...]
    answered_only: Overall | None = None  # over the rows with a prediction; None when there are none

    @property
    def answered(self) -> int:
        """Rows with a prediction (parseable or not)."""
        return self.rows - len(self.missing)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data, with the counts spelled out."""
        counts = {
            "answered": self.answered,
            "unparseable_count": len(self.unparseable),
            "missing_count": len(self.missing),
            "missing_and_unparseable_count_as_wrong": True,
        }
        return {**counts, **asdict(self)}


def read_predictions(predictions: Predictions) -> dict[str, str]:
    """Answers by row id from a JSONL path or from records; duplicate ids are a :class:`UserError`.

    A ``null`` answer is kept as an empty (so unparseable) answer.
    """
    if isinstance(predictions, (str, os.PathLike)):
        records = _read_jsonl(Path(predictions))
    else:
        records = ((f"record {n}", record) for n, record in enumerate(predictions, start=1))
    answers: dict[str, str] = {}
    duplicates: list[str] = []
    for where, record in records:
        row_id, answer = _id_and_answer(record, where)
        if row_id in answers:
            duplicates.append(row_id)
        answers[row_id] = answer
    if duplicates:
        raise UserError(f"{len(duplicates)} duplicate prediction ids: {_some(duplicates)}")
    return answers


def _read_jsonl(path: Path) -> Iterable[tuple[str, Any]]:
    """``(where, record)`` for each non-blank line of a JSONL file."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield f"{path}:{number}", json.loads(line)
                except json.JSONDecodeError as err:
                    message = f"{path}:{number}: not valid JSON ({err.msg}): {line[:80]!r}"
                    raise UserError(message) from None


def _id_and_answer(record: Any, where: str) -> tuple[str, str]:
    """Check one prediction record and return its id and answer text."""
    if not isinstance(record, Mapping):
        raise UserError(f'{where}: expected an object with "id" and "answer", got {record!r:.60}')
    missing = [key for key in ("id", "answer") if key not in record]
    if missing:
        raise UserError(f'{where}: no "{missing[0]}" key (each prediction needs "id" and "answer")')
    row_id, answer = record["id"], record["answer"]
    if not isinstance(row_id, str) or not isinstance(answer, (str, type(None))):
        raise UserError(f"{where}: id and answer must be strings, got {row_id!r:.40} / {answer!r:.40}")
    return row_id, answer or ""


def _some(ids: Sequence[str]) -> str:
    """The first few of ``ids``, quoted, for a message."""
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(repr(i) for i in ids[:SHOWN]) + more


def priority_breeds_for(dataset: str | Located) -> tuple[str, ...] | None:
    """The priority breeds a build (local folder or Hub repo id) was made with, else None.

    Only those that are labels of the build: the default set names seven breeds, and a tree
    may lack some of them.
    """
    report = dataset_report(dataset)
    breeds = (report.settings or {}).get("priority_breeds") if report is not None else None
    if breeds is None:
        return None
    return tuple(breed for breed in breeds if breed in report.breeds)


def domain_for(dataset: str | Located) -> Domain:
    """The domain to read a build's answers with: the domain file it carries (named in its
    ``build.json``), else the default (cat) domain (builds from before domains, datasets that
    are no build)."""
    source = locate(dataset)
    report = dataset_report(source)
    carried = report.domain_file if report is not None else None
    if not carried:
        return default_domain()
    path = dataset_file(source, carried)
    if path is None:
        raise UserError(f"{source.name}: its build.json names the domain file {carried}, which is missing")
    return read_carried_domain(path)


def catalog_for(dataset: str | Located, label_file: str | os.PathLike[str] | None = None) -> Catalog:
    """The label catalogue to read a build's answers with (local folder or Hub repo id).

    The label file the build carries (named in its ``build.json``) is exactly what the build
    knew of its labels; a build from before label files, or a dataset that is no build, is read
    with the built-in catalogue. ``label_file`` adds or overrides labels on top, its kinds
    checked against the build's domain (:func:`domain_for`).
    """
    source = locate(dataset)
    report = dataset_report(source)
    domain = domain_for(source)
    carried = report.label_file if report is not None else None
    base = None
    if carried:
        path = dataset_file(source, carried)
        if path is None:
            raise UserError(f"{source.name}: its build.json names the label file {carried}, which is missing")
        base = Catalog.from_file(path, domain)
    return load_catalog(label_file, base, domain)


def score(
    split: datasets.Dataset | datasets.IterableDataset,
    predictions: Predictions,
    *,
    priority_breeds: Sequence[str] | None = None,
    top_confusions: int = 10,
    catalog: Catalog | None = None,
    domain: Domain | None = None,
) -> ScoreReport:
    """Score ``predictions`` against every row of ``split`` (see the module docstring).

    ``priority_breeds`` defaults to the domain's default priority labels that are labels
    of this dataset; given explicitly, each must be one of its labels. ``catalog`` gives the
    labels' other names (default: the built-in catalogue; a build's own: :func:`catalog_for`),
    ``domain`` the words answers are read with (default: cats; a build's own: :func:`domain_for`).
    """
    domain = load_domain(domain)
    labels: list[str] = split.features["breed"].names
    priority = _priority(priority_breeds, labels, domain.priority)
    expected = _expected_breeds(split, labels)
    answers = read_predictions(predictions)
    _check_ids(answers, expected, _name(split))
    predicted = _predicted_breeds(answers, expected, labels, catalog, domain.filler)
    y_true, y_pred = list(expected.values()), list(predicted.values())
    scores = _breed_scores(y_true, y_pred, labels)
    present = [s for s in scores.values() if s.support]
    overall = _overall(y_true, y_pred, priority)
    answered = [(t, p) for t, p in zip(y_true, y_pred) if p != MISSING]
    return ScoreReport(
        split=_name(split),
        rows=overall.rows,
        correct=overall.correct,
        accuracy=overall.accuracy,
        balanced_accuracy=overall.balanced_accuracy,
        macro_f1=overall.macro_f1,
        breeds=tuple(present),
        priority=tuple(scores[breed] for breed in priority),
        priority_macro_f1=overall.priority_macro_f1,
        confusions=_confusions(y_true, y_pred, set(labels), top_confusions),
        unparseable=tuple(Unparsed(i, answers[i]) for i in _ids(predicted, UNPARSEABLE)),
        missing=tuple(_ids(predicted, MISSING)),
        answered_only=_overall(*map(list, zip(*answered)), priority) if answered else None,
    )


def _overall(y_true: list[str], y_pred: list[str], priority: Sequence[str]) -> Overall:
    """The headline figures over these rows, macro-averaged over the breeds they have."""
    from sklearn.metrics import accuracy_score, f1_score, recall_score  # see score()

    present = sorted(set(y_true))
    present_priority = [breed for breed in priority if breed in present]
    return Overall(
        rows=len(y_true),
        correct=sum(t == p for t, p in zip(y_true, y_pred)),
        accuracy=float(accuracy_score(y_true, y_pred)),
        # balanced accuracy is the mean recall over the labels with rows
        balanced_accuracy=_macro(recall_score, y_true, y_pred, present),
        macro_f1=_macro(f1_score, y_true, y_pred, present),
        breeds=len(present),
        priority_macro_f1=_macro(f1_score, y_true, y_pred, present_priority) if present_priority else None,
    )


def _ids(predicted: Mapping[str, str], value: str) -> list[str]:
    """The row ids predicted as ``value``, in split order."""
    return [row_id for row_id, label in predicted.items() if label == value]


def _expected_breeds(split: datasets.Dataset | datasets.IterableDataset, labels: list[str]) -> dict[str, str]:
    """The label of every row, by id, in split order (the image column is never read)."""
    expected = {row["id"]: labels[row["breed"]] for row in split.select_columns(["id", "breed"])}
    if not expected:
        raise UserError(f"split {_name(split)!r} has no rows to score")
    return expected


def _check_ids(answers: Mapping[str, str], expected: Mapping[str, str], split: str) -> None:
    """Raise :class:`UserError` naming the first few prediction ids that are not in the split."""
    unknown = [row_id for row_id in answers if row_id not in expected]
    if unknown:
        raise UserError(f"{len(unknown)} prediction ids are not in split {split!r} (wrong split?): {_some(unknown)}")


def _predicted_breeds(
    answers: Mapping[str, str],
    expected: Mapping[str, str],
    labels: list[str],
    catalog: Catalog | None,
    filler: frozenset[str],
) -> dict[str, str]:
    """The predicted label of every row: parsed, or :data:`UNPARSEABLE`, or :data:`MISSING`."""
    parse = BreedParser(labels, catalog, filler)
    return {row_id: parse(answers[row_id]) or UNPARSEABLE if row_id in answers else MISSING for row_id in expected}


def _name(split: datasets.Dataset | datasets.IterableDataset) -> str:
    """The split's name, as ``datasets`` recorded it."""
    return str(split.split) if split.split is not None else "?"


def _priority(requested: Sequence[str] | None, labels: Sequence[str], defaults: Sequence[str]) -> list[str]:
    """The priority breeds to report: checked when given, the domain's ``defaults`` otherwise."""
    if requested is None:
        return [breed for breed in defaults if breed in labels]
    unknown = [breed for breed in requested if breed not in labels]
    if unknown:
        raise OptionError(f"priority breeds not among the dataset's breeds: {_some(unknown)}")  # exit 2
    return list(dict.fromkeys(requested))


def _breed_scores(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict[str, BreedScore]:
    """Per-label scores from scikit-learn, for every label (support 0 where the split has none)."""
    from sklearn.metrics import precision_recall_fscore_support  # see score()

    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    predicted = Counter(y_pred)
    return {
        label: BreedScore(label, int(n), predicted[label], float(p), float(r), float(f))
        for label, p, r, f, n in zip(labels, precision, recall, f1, support)
    }


def _macro(metric: Callable[..., Any], y_true: list[str], y_pred: list[str], labels: list[str]) -> float:
    """A scikit-learn metric macro-averaged over ``labels`` (a label never predicted scores 0)."""
    return float(metric(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def _confusions(y_true: list[str], y_pred: list[str], labels: set[str], top: int) -> tuple[Confusion, ...]:
    """The ``top`` most frequent (expected, other predicted label) pairs, ties in name order."""
    pairs = Counter((t, p) for t, p in zip(y_true, y_pred) if t != p and p in labels)
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Confusion(t, p, n) for (t, p), n in ranked[:top])


def format_report(report: ScoreReport) -> str:
    """The report as text for a terminal: summary, priority block, overall, per breed, problems."""
    missing_note = f", {len(report.missing)} missing" if report.missing else ", none missing"
    lines = [
        f"Split {report.split!r}: {report.rows} rows, {report.answered} answered "
        f"({len(report.unparseable)} unparseable){missing_note}. "
        "Unparseable answers and missing ids count as wrong.",
        "",
        _priority_heading(report),
        *_table(report.priority),
        "",
        f"Overall: accuracy {report.accuracy:.1%} ({report.correct}/{report.rows}), "
        f"balanced accuracy {report.balanced_accuracy:.1%}, "
        f"macro-F1 {report.macro_f1:.1%} over {len(report.breeds)} breeds",
        *_answered_line(report),
        "",
        "Per breed:",
        *_table(report.breeds),
    ]
    if report.confusions:
        lines += ["", "Most frequent confusions (expected -> predicted):"]
        lines += [f"  {c.count:5d}  {c.expected} -> {c.predicted}" for c in report.confusions]
    if report.unparseable:
        first = f", first {SHOWN}" if len(report.unparseable) > SHOWN else ""
        lines += ["", f"Unparseable answers ({len(report.unparseable)}{first}):"]
        lines += [f"  {u.id}: {u.answer!r:.100}" for u in report.unparseable[:SHOWN]]
    if report.missing:
        lines += ["", f"Missing ids ({len(report.missing)}): {_some(report.missing)}"]
    return "\n".join(lines)


def _answered_line(report: ScoreReport) -> list[str]:
    """The figures over the answered rows, when some rows have no answer (else none: the same)."""
    only = report.answered_only
    if not report.missing or only is None:
        return []
    priority = f"; priority macro-F1 {only.priority_macro_f1:.1%}" if only.priority_macro_f1 is not None else ""
    return [
        f"Answered rows only ({only.rows} of {report.rows}): accuracy {only.accuracy:.1%} "
        f"({only.correct}/{only.rows}), balanced accuracy {only.balanced_accuracy:.1%}, "
        f"macro-F1 {only.macro_f1:.1%} over {only.breeds} breeds{priority}"
    ]


def _priority_heading(report: ScoreReport) -> str:
    """The priority block's title line, with its macro-F1 when any priority breed has rows."""
    if not report.priority:
        return "Priority breeds: none"
    if report.priority_macro_f1 is None:
        return "Priority breeds: no rows of them in this split"
    scored = sum(1 for s in report.priority if s.support)
    return (
        f"Priority breeds: macro-F1 {report.priority_macro_f1:.1%} "
        f"({scored} of {len(report.priority)} with rows in this split)"
    )


def _table(scores: Sequence[BreedScore]) -> list[str]:
    """Aligned rows: breed, support, predicted, precision, recall, F1."""
    width = max([len("Breed"), *(len(s.breed) for s in scores)])
    header = f"{'Rows':>6}  {'Predicted':>9}  {'Precision':>9}  {'Recall':>7}  {'F1':>7}"
    lines = [f"  {'Breed':<{width}}  {header}"]
    for s in scores:
        cells = (
            f"{s.precision:>9.1%}  {s.recall:>7.1%}  {s.f1:>7.1%}"
            if s.support
            else f"{'-':>9}  {'-':>7}  {'-':>7}  no rows in this split"
        )
        lines.append(f"  {s.breed:<{width}}  {s.support:>6}  {s.predicted:>9}  {cells}")
    return lines


def write_json_report(report: ScoreReport, path: str | os.PathLike[str]) -> None:
    """Write ``report.to_dict()`` as indented JSON to ``path``, atomically."""
    with atomic_output(path) as stream:
        json.dump(report.to_dict(), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
