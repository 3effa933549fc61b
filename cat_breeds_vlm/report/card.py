"""The dataset card: the README.md of a built folder, from the build report and the features.

The YAML front matter is what the Hub and ``load_dataset`` read: ``configs`` maps each split to
its Parquet shards, ``dataset_info`` carries the features and split sizes (written with
``datasets``' own serializer, so it reads back as the exact features). The body is for people:
what the data is for, how to load it, what is in each split, how it was built and what was left
out. The text depends only on the report and the build's domain (its title, tags and first
sentence: :mod:`~cat_breeds_vlm.labels.domain`), so the same build gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_text_atomic
from ..pipeline.plan import MIN_PHOTOS_TO_SPLIT
from ..pipeline.settings import BuildSettings
from .explain import (
    MISSING_MARK,
    PRIORITY_MARK,
    missing_eval,
    missing_reasons,
    num,
    setting_text,
    split_names,
    why_text,
)
from .leftout import absent_priority, left_out_section
from .licence import DEFAULT_LICENSE, licence_section
from .markdown import cell, join, table
from .record import BuildReport
from .split import card_section as split_card_section

if TYPE_CHECKING:  # imported where a card is written: ``stats`` reads the marks and notes cheaply
    import datasets
    from huggingface_hub import DatasetCardData

    from ..labels.domain import Domain

CARD_NAME = "README.md"
CHART_NAME = "class_distribution.png"

TASK_CATEGORIES = ["image-text-to-text", "visual-question-answering", "image-classification"]
#: The tags of a domain that names none.
TAGS = ["vision-language", "conversations", "llava"]

# The Hub's size_categories buckets: (upper bound, label), in increasing order.
_SIZE_BUCKETS: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)

_SPLIT_PURPOSE = {
    "train": "fine-tuning; priority-breed photos repeated (oversampled)",
    "val": "model selection; never oversampled",
    "test": "final evaluation; never oversampled",
    "priority": "the priority breeds' rows of train (a focused set; no val/test photo)",
}


def size_category(rows: int) -> str:
    """The Hub ``size_categories`` label for a number of rows (``1234`` -> ``"1K<n<10K"``)."""
    for bound, label in _SIZE_BUCKETS:
        if rows < bound:
            return label
    return "n>1B"


def card_metadata(report: BuildReport, features: datasets.Features, domain: Domain | None = None) -> DatasetCardData:
    """The card's YAML metadata: license, tasks, size, tags, ``configs`` and ``dataset_info``;
    the title and tags are ``domain``'s (default: the cat domain's)."""
    import datasets
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    from ..labels.domain import load_domain

    domain = load_domain(domain)
    splits = split_names(report)
    # priority rows are copies of train rows: the distinct examples are train + val + test.
    examples = sum(report.splits[s].rows for s in splits if s != "priority")
    card_data = DatasetCardData(
        pretty_name=domain.title_or_default,
        # The licence the build was given (--license); "unknown" claims nothing about the photos.
        license=(report.settings or {}).get("license") or DEFAULT_LICENSE,
        language=["en"],
        task_categories=TASK_CATEGORIES,
        size_categories=[size_category(examples)],
        tags=list(domain.tags) or TAGS,
        configs=[
            {
                "config_name": "default",
                "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in splits],
            }
        ],
    )
    # num_bytes: the split's Parquet bytes as build.json reports them (images dominate; the
    # in-memory Arrow size that datasets would record is about the same).
    split_dict = datasets.SplitDict()
    for name in splits:
        info = report.splits[name]
        split_dict.add(datasets.SplitInfo(name=name, num_bytes=info.bytes, num_examples=info.rows))
    dataset_info = datasets.DatasetInfo(
        features=features,
        splits=split_dict,
        dataset_size=sum(report.splits[s].bytes or 0 for s in splits),
    )
    DatasetInfosDict({"default": dataset_info}).to_dataset_card_data(card_data)
    return card_data


def render_card(report: BuildReport, features: datasets.Features, domain: Domain | None = None) -> str:
    """The full README.md text (YAML front matter and body) for a build report and its domain."""
    from huggingface_hub import DatasetCard

    from ..labels.domain import load_domain

    domain = load_domain(domain)
    sections = [
        _intro(report, domain),
        _load_section(),
        _fields_section(),
        _splits_section(report),
        *filter(None, [split_card_section(report)]),  # none for a report without a split origin
        _breeds_section(report),
        _chart_section(),
        _build_section(report),
        left_out_section(report),
        licence_section(report.settings or {}),
    ]
    body = "\n\n".join(sections) + "\n"
    card = DatasetCard(f"---\n{card_metadata(report, features, domain).to_yaml()}\n---\n\n{body}")
    return str(card)


def write_card(folder: Path, report: BuildReport, features: datasets.Features, domain: Domain | None = None) -> None:
    """Write the card as ``folder/README.md`` (atomically)."""
    write_text_atomic(Path(folder) / CARD_NAME, render_card(report, features, domain))


# --- body sections, top to bottom ---------------------------------------------------------------


def _intro(report: BuildReport, domain: Domain) -> str:
    oversample = (report.settings or {})["priority_oversample"]
    first = domain.intro or (
        f"Labelled {domain.noun} photos as a vision-language fine-tuning set: each row is one photo and a\n"
        f"short conversation (`<image>` question, answer) that names the {domain.noun}'s {domain.label_word}."
    )
    if any(b in report.breeds for b in report.priority_breeds):
        extra = f"and in train only (each priority-breed photo appears {oversample} times); val and test"
    else:  # claim no oversampling that did not happen
        extra = "(here nothing is: no priority breed is in the data); val and test"
    return "\n".join(
        [
            f"# {domain.title_or_default}",
            "",
            first + " It is made for fine-tuning and evaluating a vision-language model",
            f"(LLaVA, TRL, Fireworks) on telling {len(report.breeds)} labels apart.",
            "",
            "The splits cannot leak: a photo (with its byte-identical copies, every photo of the same",
            "pet and, unless the near-duplicate search was turned off, its re-encoded, resized or",
            "re-saved copies) is in exactly one of train, val and test. Oversampling happens after the split",
            extra,
            "are never oversampled, so their scores are honest.",
        ]
    )


def _load_section() -> str:
    return "\n".join(
        [
            "## Load it",
            "",
            "```python",
            "from datasets import load_dataset",
            "",
            'ds = load_dataset("path/to/this/folder")  # or the Hub repo id it was pushed to',
            'row = ds["train"][0]',
            'row["image"]          # PIL image',
            'row["conversations"]  # [{"from": "human", "value": "<image>\\n..."}, {"from": "gpt", ...}]',
            'ds["train"].features["breed"].int2str(row["breed"])  # the label',
            "```",
        ]
    )


def _fields_section() -> str:
    return "## Fields\n\n" + table(
        ["field", "type", "meaning"],
        [
            ["`id`", "string", "unique within its split; oversampled copies end in `#2`, `#3`, ..."],
            ["`image`", "Image", "the photo (bytes embedded in the Parquet files)"],
            [
                "`conversations`",
                "list of {from, value}",
                "human/gpt turns; the first starts with `<image>\\n`; the answer names the label",
            ],
            ["`breed`", "ClassLabel", "the label: the photo's folder name"],
            ["`source`", "string", "the photo's path relative to the image folder"],
        ],
    )


def _splits_section(report: BuildReport) -> str:
    oversampled = any(b in report.breeds for b in report.priority_breeds)
    rows = [
        [
            f"`{name}`",
            num(info.rows),
            num(info.photos) if info.photos is not None else "",
            num(info.shards or 0),
            _SPLIT_PURPOSE.get(name, "") if name != "train" or oversampled else "fine-tuning",
        ]
        for name, info in ((s, report.splits[s]) for s in split_names(report))
    ]
    text = table(["split", "rows", "distinct photos", "shards", "for"], rows)
    empty = report.empty_splits or []
    if empty:
        names = ", ".join(f"`{s}`" for s in empty)
        text += (
            f"\n\nNot in this dataset: {names}. The build gave no rows for it (for `priority`:"
            " none of the priority breeds has a photo in train), and an empty split is not written."
        )
    return "## Splits\n\n" + text


def _breeds_section(report: BuildReport) -> str:
    priority = set(report.priority_breeds)
    missing = missing_eval(report)
    splits = split_names(report)
    header = ["breed", "train photos"] + [f"{s} rows" for s in splits]
    rows = []
    for breed in report.breeds:
        marks = (f" {PRIORITY_MARK}" if breed in priority else "") + (f" {MISSING_MARK}" if breed in missing else "")
        name = cell(breed) + marks
        train_photos = (report.photos or {}).get("train", {}).get(breed, 0)
        counts = [num(report.counts.get(s, {}).get(breed, 0)) for s in splits]
        rows.append([name, num(train_photos)] + counts)
    notes = [_priority_note(report, priority), _missing_note(report), _uncatalogued_note(report)]
    return "## Breeds\n\n" + table(header, rows) + "\n\n" + "\n\n".join(filter(None, notes))


def _priority_note(report: BuildReport, priority: set[str]) -> str:
    present = [b for b in report.breeds if b in priority]
    if not priority:
        return "No priority breeds were set."
    absent = absent_priority(report)
    if not present:
        return (
            f"None of the priority breeds is in the data ({join(absent)}): nothing is oversampled and"
            " there is no `priority` split."
        )
    note = (
        f"\\{PRIORITY_MARK} priority breed ({join(present)}): each train photo"
        f" appears {(report.settings or {}).get('priority_oversample', 1)} times in train, and these"
        " rows form the `priority` split."
    )
    return note + (f" Set as priority but not in the data: {join(absent)}." if absent else "")


def _missing_note(report: BuildReport) -> str:
    reasons = missing_reasons(report)
    if not reasons:
        return "Every breed has at least one photo in val and one in test."
    missing = missing_eval(report)
    which = "; ".join(
        f"{cell(b)}: no {' and no '.join(missing[b])} photo ({why_text(reason, photos)})"
        for b, (reason, photos) in reasons.items()
    )
    return (
        f"{MISSING_MARK} **not in every evaluation split** ({which}). A breed needs"
        f" {MIN_PHOTOS_TO_SPLIT} distinct photos of {MIN_PHOTOS_TO_SPLIT} different pets to be split (a pet's photos"
        " stay together), so these stay in train, and no val or test score can be measured for"
        " them where they are missing."
    )


def _uncatalogued_note(report: BuildReport) -> str:
    labels = report.uncatalogued or []
    if not labels:
        return ""
    return (
        f"In no label catalogue: {join(labels)}. Their conversations name the label and state no"
        " fact about it (no kind, no description)."
    )


def _chart_section() -> str:
    return "\n".join(
        [
            "## Class distribution",
            "",
            f"![Class distribution]({CHART_NAME})",
            "",
            "Photos per breed in train before oversampling (distinct photos) and after (train rows),",
            "on a log scale.",
        ]
    )


def _build_section(report: BuildReport) -> str:
    settings = report.settings or {}
    rows = [[f"`{BuildSettings.flag_of(key)}`", cell(setting_text(value))] for key, value in settings.items()]
    lines = [
        "## How it was built",
        "",
        f"Built by `cat_breeds_vlm` {report.package_version or '?'} from"
        f" {num(report.created_from_files or 0)} image files with:",
        "",
        "```bash",
        report.command or "",
        "```",
        "",
        table(["setting", "value"], rows),
    ]
    capped = report.capped or {}
    if capped:
        caps = [f"{cell(b)}: {num(c.kept)} of {num(c.photos)}" for b, c in sorted(capped.items())]
        lines += ["", f"Capped at `max_per_class` (photos sampled with the seed): {'; '.join(caps)}."]
    return "\n".join(lines)
