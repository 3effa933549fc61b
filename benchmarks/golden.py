"""Golden outputs of the command line: capture what a checkout writes, diff two captures.

The contract
------------
A behaviour-preserving refactor (package folders renamed, code reformatted, settings
restructured) must leave every DATA artefact of the command line byte-identical: the Parquet
shards, the class chart (PNG), ``labels.csv``, every export (Fireworks JSONL, LLaVA JSON, TRL
JSONL, ``export prompts``), the review page, ``score --json`` reports, the made-up predictions
the scores read, manifests of exported image folders, and the exit code of every command.
TEXT artefacts (the dataset cards ``README.md``, ``build.json``, ``--help`` texts, and the
stdout/stderr of every command, in ``runs/*.txt``) are shown as a unified diff when they
differ, but do not fail: wording may change on purpose.

Only the command line is driven (``python -m cat_breeds_vlm ...`` in subprocesses); nothing of
the package is imported here, so the harness runs unchanged against any commit whose CLI is
the same. Each subprocess runs with ``cwd`` = a fresh scratch folder (a new temporary folder
per capture), ``PYTHONPATH`` = the checkout (checked first: ``cat_breeds_vlm.__file__`` must
resolve inside it, not to the venv's editable install), a private empty Hugging Face cache
(``HF_HOME`` in the scratch folder: every build decodes cold), the Hub offline, no progress
bars, ``COLUMNS=80`` for click's wrapping and no bytecode written into the checkout. Every
path on a command line is relative to the scratch folder; any absolute scratch, trees or
checkout path that still shows up in a text-like artefact is replaced by ``<SCRATCH>``,
``<TREES>`` or ``<CHECKOUT>`` (a binary file holding one is reported). So two captures of the
same code are byte-identical; ``capture`` twice and ``diff`` shows it.

Inputs (``--trees``, default ``benchmarks/work/golden-trees``, git-ignored) are made once, on
the first capture, and reused by every later capture, whatever the commit:

- ``demo/``: the synthetic tree of ``cat-breeds-vlm demo`` (3,000 photos, 67 breeds), made by
  the first capture's checkout and kept;
- ``odd/``: a small tree cut from the demo photos plus the awkward files of a real scrape:
  a zero-byte file, a PNG named ``.jpg``, a truncated JPEG, a JPEG cut short with an end
  marker (corrupt data libjpeg reports), an HTML error page named ``.jpg``, a GIF, a WebP,
  CMYK and grayscale JPEGs, ``.JPG``, tiny, strip-shaped and blank images, a byte-identical
  twin (same label) and a conflict (two labels), a near-duplicate under the same label and
  one under another label, a photo in a nested folder and one at the top level, hidden and
  non-photo files, an empty breed folder, a folder whose every file is skipped, and a folder
  no catalogue knows;
- ``labels.csv``: a label file describing that folder and replacing one built-in label.

``MANIFEST.sha256`` lists every input file and folder with its hash; each capture checks the
trees against it and copies it into OUTDIR (``inputs/``), so a diff shows whether both captures
saw the same bytes.

What a capture runs (see :func:`plan`): builds of both trees with the default settings and
with other ones (``--style detailed``, another seed, ``--labels``, ``--max-per-class``,
``--priority``, ``--priority-oversample``, ratios, ``--no-near-dups``, the quality gate off,
``--license``/``--source``, ``--dry-run``); for each build some of ``stats``, ``review``,
``export fireworks|llava|trl|prompts`` (with ``--system``, ``--max-side``, ``--max-file-mb``,
``--jsonl``, ``--link-source``, ``--write-images``), ``validate``, ``predict --dry-run`` (no
request is sent) and ``score`` on a made-up predictions file (right, wrong, lower-case,
unparseable and missing answers, plus an unknown id); a few wrong turns (their one-line
errors and exit codes); and the ``--help`` text of every command and subcommand, found by
walking the ``Commands:`` sections of ``--help``.

Usage (with the project's venv, from anywhere)::

    git -C /work/main worktree add --detach /work/wt/base 3e5c3ef      # the code to pin down
    python benchmarks/golden.py capture /work/wt/base /tmp/golden-base
    python benchmarks/golden.py capture /work/wt/refactor /tmp/golden-new
    python benchmarks/golden.py diff /tmp/golden-base /tmp/golden-new   # exit 1: data differs

``capture CHECKOUT OUTDIR [--trees DIR] [--keep-scratch]`` replaces OUTDIR (it must be empty,
missing, or an earlier capture). ``diff A B [--max-lines N]`` lists every file that differs or
exists on one side only, DATA first (bytes compared; for Parquet whether the decoded tables
are equal, for PNG whether the pixels are, for text-like data a diff with embedded base64
images shortened), then TEXT with a unified diff capped at N lines a file; it exits 1 when any
DATA file differs or is missing on one side, else 0. No network is used. A capture takes
about 80 s on 2 cores (about 100 s the first time, which makes the trees) and writes about
200 MB; ``meta.txt`` names the checkout's commit.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TREES = HERE / "work" / "golden-trees"
MANIFEST = "MANIFEST.sha256"
PACKAGE = "cat_breeds_vlm"
#: Worker processes given to every command that takes ``--num-proc`` (the machine has 2 cores).
NUM_PROC = "2"
#: Seconds one command may take before the capture gives up.
COMMAND_TIMEOUT = 900

#: Files whose differences are shown but allowed (everything else is DATA and must be equal).
TEXT_NAMES = frozenset({"README.md", "build.json"})
TEXT_SUFFIXES = frozenset({".txt"})
#: Files that are text and get paths normalised (and base64 elided when diffed).
TEXTLIKE_SUFFIXES = frozenset({".txt", ".md", ".json", ".jsonl", ".csv", ".html", ".sha256"})
#: Folders of exported photos, stored as a manifest (``images.sha256``) instead of copies.
IMAGE_FOLDER = "images"

#: The scratch folders every output is written into (and copied from).
OUTPUT_FOLDERS = ("builds", "exports", "reviews", "scores", "predictions")

_DATA_URI = re.compile(rb"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


# --- the run plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One CLI invocation: ``python -m cat_breeds_vlm *args``, logged as ``runs/{slug}.txt``."""

    slug: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Predictions:
    """Make ``predictions/{name}.jsonl`` from the prompts file ``prompts`` (scratch-relative);
    with ``unknown_id``, add an answer for an id that is in no split."""

    name: str
    prompts: str
    unknown_id: bool = False


Action = Step | Predictions

_WORDING = (
    "--license",
    "cc-by-4.0",
    "--source",
    "Synthetic pictures for the golden-output harness.",
)


def _build(name: str, tree: str, *options: str) -> Step:
    return Step(f"build-{name}", ("build", f"inputs/{tree}", "-o", f"builds/{name}", "--num-proc", NUM_PROC, *options))


def _stats(name: str) -> Step:
    return Step(f"stats-{name}", ("stats", f"builds/{name}"))


def _review(name: str, *options: str) -> Step:
    return Step(f"review-{name}", ("review", f"builds/{name}", "-o", f"reviews/{name}.html", *options))


def _export(kind: str, name: str, target: str, *options: str) -> Step:
    slug = f"export-{kind}-{name}" + (f"-{target.replace('/', '-')}" if "." in target else "")
    return Step(slug, ("export", kind, f"builds/{name}", "-o", f"exports/{name}/{target}", *options))


def _validate(kind: str, name: str, *files: str) -> Step:
    paths = tuple(f"exports/{name}/{f}" for f in files)
    return Step(f"validate-{kind}-{name}", ("validate", kind, *paths))


def _score(name: str, predictions: str, *options: str) -> Step:
    return Step(
        f"score-{name}",
        ("score", f"builds/{name}", f"predictions/{predictions}.jsonl", "--json", f"scores/{name}.json", *options),
    )


def _standard_exports(name: str) -> list[Action]:
    """Every format of every split, the prompts two ways, validation, predictions and score."""
    splits = ("train", "val", "test", "priority")
    return [
        _export("fireworks", name, "fireworks", "-s", "all"),
        _export("llava", name, "llava", "-s", "all"),
        _export("trl", name, "trl", "-s", "all"),
        _export("prompts", name, "prompts/test.jsonl", "-s", "test"),
        _export("prompts", name, "prompts-images/val.jsonl", "-s", "val", "--write-images"),
        _validate("fireworks", name, *(f"fireworks/{s}.jsonl" for s in splits)),
        _validate("llava", name, *(f"llava/{s}.json" for s in splits)),
        _validate("trl", name, *(f"trl/{s}.jsonl" for s in splits)),
        Predictions(name, f"exports/{name}/prompts/test.jsonl"),
        _score(name, name),
    ]


def plan() -> list[Action]:
    """Everything a capture runs, in order (the builds first; each later step reads them)."""
    cap = (
        "--max-per-class",
        "20",
        "--priority",
        "Bengal",
        "--priority",
        "Maine Coon",
        "--priority-oversample",
        "3",
        "--val-ratio",
        "0.2",
        "--test-ratio",
        "0.15",
        "--no-near-dups",
    )
    gate_off = ("--no-strict-jpeg", "--min-side", "0", "--max-aspect", "0", "--min-spread", "0")
    return [
        # the demo tree: defaults, with every export
        _build("demo-default", "demo"),
        _stats("demo-default"),
        _review("demo-default", "--images", "inputs/demo"),
        *_standard_exports("demo-default"),
        Step(
            "predict-dry-run-demo-default",
            (
                "predict",
                "builds/demo-default",
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "golden-model",
                "-o",
                "predictions/dry-run.jsonl",
                "--limit",
                "3",
                "--system",
                "You name cat breeds.",
                "--max-side",
                "64",
                "--api-key-env",
                "GOLDEN_HARNESS_NO_SUCH_KEY",
                "--dry-run",
            ),
        ),
        # the demo tree: detailed style, another seed, a label file, the card's wording
        _build(
            "demo-detailed", "demo", "--style", "detailed", "--seed", "7", "--labels", "inputs/labels.csv", *_WORDING
        ),
        _stats("demo-detailed"),
        _review("demo-detailed", "--per-breed", "3", "--seed", "5", "--max-listed", "5"),
        _export(
            "fireworks",
            "demo-detailed",
            "fireworks-small",
            "-s",
            "val",
            "--system",
            "You name cat breeds.",
            "--max-side",
            "96",
            "--num-proc",
            NUM_PROC,
            "--max-file-mb",
            "0.5",
        ),
        _export("llava", "demo-detailed", "llava/test.jsonl", "-s", "test"),
        _export("trl", "demo-detailed", "trl/priority.jsonl", "-s", "priority", "--system", "You name cat breeds."),
        _export("prompts", "demo-detailed", "prompts/test.jsonl", "-s", "test"),
        Predictions("demo-detailed", "exports/demo-detailed/prompts/test.jsonl"),
        _score("demo-detailed", "demo-detailed", "--labels", "inputs/labels.csv", "--top", "3"),
        # the demo tree: capped, other priority breeds and ratios, no near-duplicate search
        _build("demo-cap", "demo", *cap),
        _stats("demo-cap"),
        _review("demo-cap"),
        _export("fireworks", "demo-cap", "fireworks", "-s", "train", "-s", "priority"),
        _export("llava", "demo-cap", "llava-linked", "-s", "train", "--link-source", "inputs/demo"),
        _export("trl", "demo-cap", "trl-linked", "-s", "val", "--link-source", "inputs/demo"),
        # the awkward tree: defaults, with every export
        _build("odd-default", "odd"),
        _stats("odd-default"),
        _review("odd-default", "--images", "inputs/odd"),
        *_standard_exports("odd-default"),
        # the awkward tree: detailed, another seed, a label file (its uncatalogued folder named)
        _build("odd-detailed", "odd", "--style", "detailed", "--seed", "1234", "--labels", "inputs/labels.csv"),
        _stats("odd-detailed"),
        _review("odd-detailed", "--images", "inputs/odd", "--max-listed", "3"),
        _export("fireworks", "odd-detailed", "fireworks", "-s", "all"),
        _export("llava", "odd-detailed", "llava", "-s", "all"),
        _export("trl", "odd-detailed", "trl", "-s", "all"),
        _export("prompts", "odd-detailed", "prompts/test.jsonl", "-s", "test"),
        Predictions("odd-detailed", "exports/odd-detailed/prompts/test.jsonl"),
        _score("odd-detailed", "odd-detailed", "--priority", "Bengal"),
        # the awkward tree: capped, priority given, no near-duplicate search, the gate off
        _build(
            "odd-cap",
            "odd",
            "--max-per-class",
            "4",
            "--priority",
            "Bengal",
            "--priority",
            "Burmilla",
            "--no-near-dups",
            *gate_off,
            *_WORDING,
        ),
        _stats("odd-cap"),
        _review("odd-cap", "--images", "inputs/odd"),
        _export("fireworks", "odd-cap", "fireworks", "-s", "all"),
        _export("llava", "odd-cap", "llava", "-s", "all"),
        _export("trl", "odd-cap", "trl", "-s", "all"),
        Step(
            "build-odd-dry-run",
            ("build", "inputs/odd", "-o", "builds/odd-dry-run", "--dry-run", "--num-proc", NUM_PROC, "--seed", "3"),
        ),
        # wrong turns: one line and an exit code each
        Step("wrong-stats-photo-folder", ("stats", "inputs/odd")),
        Step("wrong-stats-missing-repo", ("stats", "golden-harness/no-such-dataset")),
        Step(
            "wrong-export-split",
            ("export", "fireworks", "builds/odd-default", "-s", "validation", "-o", "exports/wrong.jsonl"),
        ),
        Step("wrong-build-existing", ("build", "inputs/odd", "-o", "builds/odd-default")),
        Step("wrong-build-priority-typo", ("build", "inputs/odd", "-o", "builds/wrong", "--priority", "Bengall")),
        Step(
            "wrong-build-bad-ratio",
            ("build", "inputs/odd", "-o", "builds/wrong", "--val-ratio", "0.6", "--test-ratio", "0.5"),
        ),
        Step("wrong-score-missing-file", ("score", "builds/odd-default", "predictions/none.jsonl")),
        Predictions("unknown-id", "exports/odd-default/prompts/test.jsonl", unknown_id=True),
        Step("wrong-score-unknown-id", ("score", "builds/odd-default", "predictions/unknown-id.jsonl")),
        Step("wrong-validate-llava-as-fireworks", ("validate", "fireworks", "exports/odd-default/llava/train.json")),
    ]


# --- running the CLI -------------------------------------------------------------------------


@dataclass
class Runner:
    """Runs the CLI of one checkout in one scratch folder; keeps each run's exit code."""

    checkout: Path
    work: Path
    env: dict[str, str]
    exit_codes: dict[str, int] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python *args`` in the scratch folder with the checkout's environment."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python -m cat_breeds_vlm *args``."""
        return self.python("-m", PACKAGE, *args)

    def step(self, step: Step) -> None:
        """Run ``step`` and log its command, exit code, stdout and stderr under its slug."""
        if step.slug in self.logs:
            raise SystemExit(f"golden: two steps named {step.slug!r}")
        started = time.perf_counter()
        done = self.cli(*step.args)
        seconds = time.perf_counter() - started
        self.exit_codes[step.slug] = done.returncode
        self.logs[step.slug] = _run_log(step.args, done)
        print(f"  {seconds:6.1f} s  exit {done.returncode}  {step.slug}", flush=True)


def _run_log(args: Sequence[str], done: subprocess.CompletedProcess[str]) -> str:
    """What a run says: its command, exit code, stdout, stderr."""
    command = shlex.join(["python", "-m", PACKAGE, *args])
    return f"$ {command}\nexit code: {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"


def child_env(checkout: Path, scratch: Path) -> dict[str, str]:
    """The environment of every subprocess: the checkout first on the path, nothing shared."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "HUGGINGFACE", "PYTHON", "TQDM", "OPENAI", "FIREWORKS"))
    }
    hf_home = scratch / "hf"
    env.update(
        {
            "PYTHONPATH": str(checkout),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONUTF8": "1",
            "HF_HOME": str(hf_home),
            "HF_DATASETS_CACHE": str(hf_home / "datasets"),
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "TQDM_DISABLE": "1",
            "COLUMNS": "80",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
        }
    )
    return env


def check_package_location(runner: Runner) -> str:
    """Where ``cat_breeds_vlm`` imports from; exit when it is not inside the checkout."""
    done = runner.python("-c", f"import {PACKAGE}; print({PACKAGE}.__file__)")
    location = done.stdout.strip()
    if done.returncode or not location:
        raise SystemExit(f"golden: cannot import {PACKAGE} from {runner.checkout}:\n{done.stderr}")
    if not Path(location).resolve().is_relative_to(runner.checkout.resolve()):
        raise SystemExit(
            f"golden: {PACKAGE} imports from {location}, not from {runner.checkout}"
            " (PYTHONPATH lost to another install)"
        )
    return location


# --- the input trees -------------------------------------------------------------------------


def ensure_trees(trees: Path, runner: Runner) -> None:
    """Make the input trees once (with ``runner``'s checkout); later calls only check them."""
    if (trees / MANIFEST).exists():
        problems = check_manifest(trees)
        if problems:
            raise SystemExit(
                f"golden: {trees} no longer matches its {MANIFEST} ({problems[0]} "
                f"and {len(problems) - 1} more); remove the folder to remake it"
            )
        return
    if trees.exists():
        raise SystemExit(
            f"golden: {trees} exists without {MANIFEST} (an interrupted start?); remove it to make the trees again"
        )
    print(f"Making the input trees in {trees} (once) ...", flush=True)
    partial = trees.with_name(trees.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    make_demo_tree(partial / "demo", runner)
    make_odd_tree(partial / "odd", partial / "demo")
    (partial / "labels.csv").write_text(LABELS_CSV, encoding="utf-8")
    (partial / MANIFEST).write_text(manifest(partial), encoding="utf-8")
    partial.rename(trees)


def make_demo_tree(target: Path, runner: Runner) -> None:
    """``cat-breeds-vlm demo``'s photo tree (its build is thrown away)."""
    done = runner.cli("demo", "-o", "demo-maker", "--num-proc", NUM_PROC)
    if done.returncode:
        raise SystemExit(f"golden: the demo failed:\n{done.stdout}\n{done.stderr}")
    shutil.move(runner.work / "demo-maker" / "images", target)
    shutil.rmtree(runner.work / "demo-maker")


LABELS_CSV = (
    "# The golden harness's label file: one new label, one built-in label replaced.\n"
    "name,display,kind,description,aliases\n"
    'Ginger Ninja,ginger,coat colour,"A shelter name for an orange coat, in any breed.",'
    "ginger cat; orange cat\n"
    'Tabby,,coat pattern,"A coat pattern of stripes or swirls (replaced by the golden harness).",'
    "tabby cat; striped tabby\n"
)

_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
    b"<body><h1>Service Unavailable</h1></body></html>\n"
)


#: Demo photos of breeds the odd tree does not hold, cut into its extra and awkward files.
ODD_SOURCES = {"Ragdoll": 12, "Persian": 5, "Siamese": 6}


def make_odd_tree(root: Path, demo: Path) -> None:
    """A small tree of demo photos plus the awkward files of a real scrape (module docstring)."""
    for breed, count in {
        "Abyssinian": 6,
        "Bengal": 12,
        "Burmilla": 1,
        "Calico": 10,
        "Chinchilla": 1,
        "Domestic Short Hair": 20,
        "Sphynx - Hairless Cat": 5,
        "Tabby": 8,
        "York Chocolate": 1,
    }.items():
        for photo in _photos(demo, breed)[:count]:
            _put(root / breed / photo.name, photo.read_bytes())
    spare = {breed: _photos(demo, breed)[-count:] for breed, count in ODD_SOURCES.items()}
    for photo in spare["Persian"]:  # more photos (other pets) for a priority breed
        _put(root / "Burmilla" / photo.name, photo.read_bytes())
    for photo in spare["Siamese"][:4]:  # a folder no catalogue knows
        _put(root / "Ginger Ninja" / photo.name, photo.read_bytes())
    (root / "Empty Breed").mkdir()
    _put(root / "All Broken" / "empty.jpg", b"")
    _put(root / "All Broken" / "cut.jpg", spare["Siamese"][4].read_bytes()[:2000])
    _awkward_files(root, [p.read_bytes() for p in spare["Ragdoll"]])
    _duplicates(root)
    _ignored_files(root)


def _photos(demo: Path, breed: str) -> list[Path]:
    return sorted((demo / breed).glob("*.jpg"))


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _encode(image: object, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _awkward_files(root: Path, photos: list[bytes]) -> None:
    """Broken, odd and gate-failing files in ``Abyssinian/``, one photo of the top level."""
    from PIL import Image

    def picture(i: int) -> Image.Image:
        return Image.open(io.BytesIO(photos[i])).convert("RGB")

    cut = photos[10][: len(photos[10]) // 2] + b"\xff\xd9"
    files = {
        "empty.jpg": b"",
        "png_named.jpg": _encode(picture(0), "PNG"),
        "truncated.jpg": photos[1][: len(photos[1]) // 2],
        "error_page.jpg": _ERROR_PAGE,
        "nested/deeper/nested.jpg": photos[2],
        "upper.JPG": photos[3],
        "photo.webp": _encode(picture(4), "WEBP", quality=80),
        "grey.jpg": _encode(picture(5).convert("L"), "JPEG", quality=85),
        "cmyk.jpg": _encode(picture(6).convert("CMYK"), "JPEG", quality=85),
        "tiny.jpg": _encode(picture(7).resize((24, 18)), "JPEG", quality=85),
        "strip.jpg": _encode(picture(8).resize((480, 40)), "JPEG", quality=85),
        "blank.png": _encode(Image.new("RGB", (120, 90), (128, 128, 128)), "PNG"),
        "anim.gif": _encode(picture(9), "GIF"),
        "cut_short.jpg": cut,
    }
    for name, data in files.items():
        _put(root / "Abyssinian" / name, data)
    _put(root / "stray.jpg", photos[11])


def _duplicates(root: Path) -> None:
    """A twin and a conflict (same bytes), a near-duplicate under the same and another label."""
    from PIL import Image, ImageEnhance

    bengal = sorted((root / "Bengal").glob("*.jpg"))
    _put(root / "Bengal" / "twin_copy.jpg", bengal[0].read_bytes())
    _put(root / "Calico" / "conflict_copy.jpg", bengal[1].read_bytes())
    original = Image.open(bengal[2]).convert("RGB")
    smaller = original.resize((original.width * 4 // 5, original.height * 4 // 5))
    _put(root / "Bengal" / "resized_copy.jpg", _encode(smaller, "JPEG", quality=75))
    calico = Image.open(min((root / "Calico").glob("3*.jpg"))).convert("RGB")
    brighter = ImageEnhance.Brightness(calico).enhance(1.05)
    _put(root / "Tabby" / "brighter_copy.jpg", _encode(brighter, "JPEG", quality=85))


def _ignored_files(root: Path) -> None:
    """Hidden files, other extensions, a file beside the breed folders."""
    for relative, data in {
        ".DS_Store": b"\x00\x00\x00\x01Bud1" + bytes(64),
        "notes.txt": b"Photos scraped from Petfinder.\n",
        "Abyssinian/.DS_Store": b"\x00\x00\x00\x01Bud1" + bytes(64),
        "Abyssinian/._upper.JPG": b"\x00\x05\x16\x07" + bytes(78),
        "Abyssinian/Thumbs.db": bytes(512),
        "Abyssinian/notes.txt": b"TODO: check the blurry ones\n",
    }.items():
        _put(root / relative, data)


def manifest(root: Path) -> str:
    """Every folder and file below ``root`` (the manifest itself excepted): path, size, SHA-256."""
    lines = []
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        relative = path.relative_to(root).as_posix()
        if relative == MANIFEST:
            continue
        if path.is_dir():
            lines.append(f"{'-' * 64}  {'dir':>9}  {relative}/")
        else:
            data = path.read_bytes()
            lines.append(f"{hashlib.sha256(data).hexdigest()}  {len(data):>9}  {relative}")
    return "\n".join(lines) + "\n"


def check_manifest(root: Path) -> list[str]:
    """The lines of ``root``'s manifest that no longer hold (empty: the trees are intact)."""
    expected = (root / MANIFEST).read_text(encoding="utf-8").splitlines()
    actual = manifest(root).splitlines()
    return [
        line
        for line in difflib.unified_diff(expected, actual, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --- help texts and made-up predictions -----------------------------------------------------


def walk_help(runner: Runner, words: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """``(command words, --help text)`` of the group ``words`` and everything below it."""
    done = runner.cli(*words, "--help")
    text = done.stdout + (f"--- stderr\n{done.stderr}" if done.stderr else "")
    text += f"--- exit code {done.returncode}\n"
    yield words, text
    for name in _subcommands(done.stdout):
        yield from walk_help(runner, (*words, name))


def _subcommands(help_text: str) -> list[str]:
    """The names listed in the ``Commands:`` section of a click help text."""
    section = help_text.partition("\nCommands:\n")[2]
    names = []
    for line in section.splitlines():
        if not line.strip():
            break
        if match := re.match(r"  (\S+)", line):
            names.append(match.group(1))
    return names


def make_predictions(prompts: Path, output: Path, unknown_id: bool = False) -> None:
    """A made-up predictions file for ``score``, from a prompts file (deterministic).

    For the i-th prompt (the breed is the first folder of its ``image``): i % 7 == 0 is left
    out (a missing id), 1 is unparseable, 2 names the next breed (wrong), 3 the breed in a
    lower-case sentence, the rest the breed exactly; with ``unknown_id``, one more answer for
    an id that is not in the split (which ``score`` refuses).
    """
    rows = [json.loads(line) for line in prompts.read_text(encoding="utf-8").splitlines()]
    breeds = sorted({row["image"].split("/")[0] for row in rows})
    lines = []
    for i, row in enumerate(rows):
        breed = row["image"].split("/")[0]
        answer = {
            0: None,
            1: "I cannot tell from this picture.",
            2: breeds[(breeds.index(breed) + 1) % len(breeds)],
            3: f"it looks like a {breed.lower()} to me.",
        }.get(i % 7, breed)
        if answer is not None:
            lines.append(json.dumps({"id": row["id"], "answer": answer}, ensure_ascii=False))
    if unknown_id:
        lines.append(json.dumps({"id": "golden/not-a-row.jpg", "answer": breeds[0]}))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- capture ---------------------------------------------------------------------------------


def capture(checkout: Path, outdir: Path, trees: Path, keep_scratch: bool = False) -> None:
    """Run :func:`plan` against ``checkout`` and store its artefacts in ``outdir``."""
    checkout, trees = checkout.resolve(), trees.resolve()
    if not (checkout / PACKAGE / "__init__.py").is_file():
        raise SystemExit(f"golden: {checkout} holds no {PACKAGE}/ package")
    _check_outdir(outdir)
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="golden-scratch-"))
    work = scratch / "work"
    work.mkdir()
    runner = Runner(checkout, work, child_env(checkout, scratch))
    try:
        location = check_package_location(runner)
        print(f"{PACKAGE}.__file__ = {location}", flush=True)
        ensure_trees(trees, runner)
        shutil.copytree(trees, work / "inputs", symlinks=True)
        print(f"Capturing {checkout} in {work} ...", flush=True)
        run_plan(runner)
        helps = dict(walk_help(runner))
        meta = f"{PACKAGE}.__file__: {location}\n{_git_state(checkout)}"
        store(runner, outdir, helps, meta, _replacements(scratch, trees, checkout))
    finally:
        if keep_scratch:
            print(f"Scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    failed = [slug for slug, code in runner.exit_codes.items() if code and not slug.startswith("wrong-")]
    print(
        f"Captured {len(runner.exit_codes)} runs and {len(helps)} help texts in {outdir}"
        f" in {time.perf_counter() - started:.1f} s"
    )
    if failed:
        print(f"Note: these runs exited non-zero (see runs/*.txt): {', '.join(failed)}")


def _git_state(checkout: Path) -> str:
    """The checkout's commit and whether its package differs from it (for ``meta.txt``)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(checkout), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else "unknown (not a git checkout)"

    changed = git("status", "--porcelain", "--", PACKAGE)
    return f"commit: {git('rev-parse', 'HEAD')}\nuncommitted changes: {changed or 'none'}\n"


def _check_outdir(outdir: Path) -> None:
    """OUTDIR must be missing, empty or an earlier capture (then it is replaced)."""
    if outdir.exists():
        if any(outdir.iterdir()) and not (outdir / "exit_codes.json").exists():
            raise SystemExit(f"golden: {outdir} is not empty and not a capture: refused")
        shutil.rmtree(outdir)


def run_plan(runner: Runner) -> None:
    """Every action of :func:`plan`, in order (the output folders made first)."""
    for folder in OUTPUT_FOLDERS:
        (runner.work / folder).mkdir()
    for action in plan():
        if isinstance(action, Predictions):
            make_predictions(
                runner.work / action.prompts, runner.work / "predictions" / f"{action.name}.jsonl", action.unknown_id
            )
        else:
            runner.step(action)


def _replacements(scratch: Path, trees: Path, checkout: Path) -> list[tuple[bytes, bytes]]:
    """Absolute paths to replace in text-like artefacts, the longest first."""
    pairs = {}
    for path, mark in ((scratch, "<SCRATCH>"), (trees, "<TREES>"), (checkout, "<CHECKOUT>")):
        for form in {str(path), str(path.resolve())}:
            pairs[form.encode()] = mark.encode()
    return sorted(pairs.items(), key=lambda item: -len(item[0]))


def store(
    runner: Runner, outdir: Path, helps: dict[tuple[str, ...], str], meta: str, replacements: list[tuple[bytes, bytes]]
) -> None:
    """Copy the artefacts of the scratch folder into ``outdir``, normalised."""
    outdir.mkdir(parents=True)
    _write(outdir / "meta.txt", meta.encode(), replacements)
    work = runner.work
    for folder in OUTPUT_FOLDERS:
        _copy_tree(work / folder, outdir / folder, replacements)
    _write(outdir / "inputs" / MANIFEST, (work / "inputs" / MANIFEST).read_bytes(), replacements)
    for slug, log in runner.logs.items():
        _write(outdir / "runs" / f"{slug}.txt", log.encode(), replacements)
    for words, text in helps.items():
        name = "-".join(("cat-breeds-vlm", *words))
        _write(outdir / "help" / f"{name}.txt", text.encode(), replacements)
    version = runner.cli("--version")
    _write(outdir / "help" / "version.txt", (version.stdout + version.stderr).encode(), replacements)
    codes = json.dumps(runner.exit_codes, indent=2, sort_keys=True) + "\n"
    _write(outdir / "exit_codes.json", codes.encode(), replacements)


def _copy_tree(source: Path, target: Path, replacements: list[tuple[bytes, bytes]]) -> None:
    """Copy ``source`` to ``target``; an exported photo folder becomes ``images.sha256``."""
    for path in sorted(source.iterdir()):
        if path.is_dir() and path.name == IMAGE_FOLDER:
            _write(target / f"{IMAGE_FOLDER}.sha256", manifest(path).encode(), replacements)
        elif path.is_dir():
            _copy_tree(path, target / path.name, replacements)
        else:
            _write(target / path.name, path.read_bytes(), replacements)


def _write(path: Path, data: bytes, replacements: list[tuple[bytes, bytes]]) -> None:
    """Write ``data``, with absolute paths replaced when the file is text-like."""
    if path.suffix in TEXTLIKE_SUFFIXES:
        for old, new in replacements:
            data = data.replace(old, new)
    else:
        for old, _ in replacements:
            if old in data:
                print(
                    f"  warning: {path.name} holds the path {old.decode()} (not normalised:"
                    " binary); captures will differ"
                )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --- diff ------------------------------------------------------------------------------------


def is_text(relative: str) -> bool:
    """TEXT (differences shown, allowed) or DATA (must be byte-identical)."""
    path = Path(relative)
    return path.name in TEXT_NAMES or path.suffix in TEXT_SUFFIXES


def files_below(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def diff(a: Path, b: Path, max_lines: int) -> int:
    """Print what differs between two captures; 1 when any DATA file differs, else 0."""
    for root in (a, b):
        if not (root / "exit_codes.json").is_file():
            raise SystemExit(f"golden: {root} is not a capture (no exit_codes.json)")
    files_a, files_b = files_below(a), files_below(b)
    changed = sorted(f for f in files_a & files_b if not _same_bytes(a / f, b / f))
    only = [(f, "only in A") for f in sorted(files_a - files_b)]
    only += [(f, "only in B") for f in sorted(files_b - files_a)]
    data = [f for f in changed if not is_text(f)]
    text = [f for f in changed if is_text(f)]
    data_only = [(f, where) for f, where in only if not is_text(f)]
    text_only = [(f, where) for f, where in only if is_text(f)]
    print(f"Compared {len(files_a | files_b)} files: A = {a}, B = {b}")
    print(f"\n== BINARY/DATA: {len(data) + len(data_only)} differ (must be identical)")
    for f, where in data_only:
        print(f"  {where}: {f}")
    for f in data:
        print(f"  differs: {f}")
        for line in explain_data(a / f, b / f, max_lines):
            print(f"      {line}")
    print(f"\n== TEXT: {len(text) + len(text_only)} differ (shown, allowed)")
    for f, where in text_only:
        print(f"  {where}: {f}")
    for f in text:
        print(f"  differs: {f}")
        for line in text_diff(a / f, b / f, max_lines, f):
            print(f"      {line}")
    verdict = "DATA DIFFERS" if data or data_only else "data identical"
    print(f"\n{verdict}: {len(data) + len(data_only)} data, {len(text) + len(text_only)} text files differ")
    return 1 if data or data_only else 0


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            block_a, block_b = fa.read(1 << 20), fb.read(1 << 20)
            if block_a != block_b:
                return False
            if not block_a:
                return True


def explain_data(a: Path, b: Path, max_lines: int) -> list[str]:
    """Why two DATA files differ, as far as can be told cheaply."""
    sizes = f"sizes {a.stat().st_size:,} / {b.stat().st_size:,} bytes"
    if a.suffix == ".parquet":
        return [sizes, *explain_parquet(a, b)]
    if a.suffix == ".png":
        return [sizes, explain_png(a, b)]
    if a.suffix in TEXTLIKE_SUFFIXES:
        lines = text_diff(a, b, max_lines, a.name, elide=True)
        return [sizes, *(lines or ["only embedded base64 image data differs"])]
    return [sizes]


def explain_parquet(a: Path, b: Path) -> list[str]:
    """Whether the decoded tables are equal, and if not, where they differ."""
    import pyarrow.parquet as pq

    ta, tb = pq.read_table(a), pq.read_table(b)
    if ta.equals(tb, check_metadata=True):
        return ["decoded tables EQUAL, schema metadata too (only the encoding differs)"]
    if ta.equals(tb):
        keys = _metadata_keys_differing(ta.schema.metadata or {}, tb.schema.metadata or {})
        return [f"decoded tables equal; schema metadata differs in {keys}"]
    lines = ["decoded tables DIFFER"]
    if ta.schema != tb.schema:
        lines.append(f"schema A: {ta.schema.to_string(show_schema_metadata=False)!r}")
        lines.append(f"schema B: {tb.schema.to_string(show_schema_metadata=False)!r}")
    if ta.num_rows != tb.num_rows:
        lines.append(f"rows {ta.num_rows} / {tb.num_rows}")
    for name in ta.column_names:
        if name in tb.column_names and ta.num_rows == tb.num_rows:
            ca, cb = ta.column(name), tb.column(name)
            if not ca.equals(cb):
                first = next(i for i in range(ta.num_rows) if ca[i] != cb[i])
                lines.append(
                    f"column {name!r} differs, first at row {first}: {_short(ca[first])} / {_short(cb[first])}"
                )
    return lines


def _metadata_keys_differing(ma: dict, mb: dict) -> list[str]:
    return sorted(k.decode() for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))


def _short(value: object, limit: int = 200) -> str:
    """A value of a table cell for a message: bytes as their size and hash, long text cut."""
    text = repr(_summarised(value.as_py() if hasattr(value, "as_py") else value))
    return text if len(text) <= limit else text[:limit] + "..."


def _summarised(value: object) -> object:
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes sha256:{hashlib.sha256(value).hexdigest()[:12]}>"
    if isinstance(value, dict):
        return {k: _summarised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_summarised(v) for v in value]
    return value


def explain_png(a: Path, b: Path) -> str:
    """Whether two PNGs hold the same pixels."""
    from PIL import Image

    with Image.open(a) as ia, Image.open(b) as ib:
        if ia.size != ib.size or ia.mode != ib.mode:
            return f"images differ: {ia.size} {ia.mode} / {ib.size} {ib.mode}"
        same = ia.tobytes() == ib.tobytes()
    return "pixels EQUAL (only the encoding or metadata differs)" if same else "pixels DIFFER"


def text_diff(a: Path, b: Path, max_lines: int, label: str, elide: bool = False) -> list[str]:
    """A unified diff of two text files, capped at ``max_lines`` lines (long lines cut)."""
    lines_a, lines_b = (_lines(p, elide) for p in (a, b))
    out = list(difflib.unified_diff(lines_a, lines_b, f"A/{label}", f"B/{label}", lineterm="", n=2))
    if len(out) > max_lines:
        out = [*out[:max_lines], f"... ({len(out) - max_lines} more diff lines)"]
    return out


def _lines(path: Path, elide: bool) -> list[str]:
    data = path.read_bytes()
    if elide:
        data = _DATA_URI.sub(_elided, data)
    return [
        line if len(line) <= 300 else line[:300] + " ..."
        for line in data.decode("utf-8", errors="replace").splitlines()
    ]


def _elided(match: re.Match[bytes]) -> bytes:
    digest = hashlib.sha256(match.group()).hexdigest()[:12]
    head = match.group().split(b",", 1)[0]
    return head + f",<{len(match.group()):,} chars sha256:{digest}>".encode()


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cap = commands.add_parser("capture", help="Capture the CLI outputs of a checkout.")
    cap.add_argument("checkout", type=Path, help="A checkout (git worktree) of the package.")
    cap.add_argument("outdir", type=Path, help="Where to store the capture (replaced).")
    cap.add_argument(
        "--trees",
        type=Path,
        default=DEFAULT_TREES,
        help=f"Input trees, made once and reused (default: {DEFAULT_TREES}).",
    )
    cap.add_argument("--keep-scratch", action="store_true", help="Keep the scratch folder.")
    dif = commands.add_parser("diff", help="Compare two captures; exit 1 when data differs.")
    dif.add_argument("a", type=Path)
    dif.add_argument("b", type=Path)
    dif.add_argument("--max-lines", type=int, default=40, help="Diff lines shown per file.")
    args = parser.parse_args(argv)
    if args.command == "capture":
        capture(args.checkout, args.outdir, args.trees, args.keep_scratch)
        return 0
    return diff(args.a, args.b, args.max_lines)


if __name__ == "__main__":
    sys.exit(main())
