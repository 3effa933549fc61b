"""Fireworks JSONL export: message shape, images as data URIs, --max-side, rotation, workers."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import datasets
import pybase64
import pytest
from export_fixtures import BIG, BIG_SOURCE, CONVERTED, ODD_MIME, assert_validates, original_bytes
from PIL import Image

from cat_breeds_vlm.dataset.loading import open_split
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.export import ParquetSplit, export_fireworks, segments, validate
from cat_breeds_vlm.export.images import decode_strict, encode_image
from cat_breeds_vlm.features import IMAGE_TOKEN


def records(files: list[Path]) -> list[dict]:
    return [json.loads(line) for file in files for line in file.read_text().splitlines()]


def image_of(record: dict) -> tuple[str, bytes]:
    """(MIME, bytes) of the image part of a record's first user message."""
    part = next(m for m in record["messages"] if m["role"] == "user")["content"][0]
    assert part["type"] == "image_url"
    header, payload = part["image_url"]["url"].split(",", 1)
    return header.removeprefix("data:").removesuffix(";base64"), base64.b64decode(payload, validate=True)


def question(row: dict) -> str:
    """The first human turn without its image token: what the user message's text must be."""
    return row["conversations"][0]["value"].removeprefix(IMAGE_TOKEN + "\n")


def expected_line(row: dict, system: str | None = None) -> bytes:
    """The record of a row (image undecoded) spelled out, dumped the plain ``json.dumps`` way."""
    image = encode_image(row["image"]["bytes"])
    url = f"data:{image.mime};base64,{base64.b64encode(image.data).decode()}"
    roles = {"human": "user", "gpt": "assistant"}
    turns = row["conversations"]
    first = {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": url}},
        {"type": "text", "text": question(row)},
    ]}  # fmt: skip
    rest = [{"role": roles[turn["from"]], "content": turn["value"]} for turn in turns[1:]]
    head = [{"role": "system", "content": system}] if system else []
    record = {"messages": [*head, first, *rest]}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def undecoded(split: datasets.Dataset) -> datasets.Dataset:
    return split.cast_column("image", datasets.Image(decode=False))


@pytest.fixture(scope="module")
def exported(train: datasets.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fireworks") / "train.jsonl"
    export_fireworks(train, path, progress=False)
    return path


def test_export_passes_validate(exported: Path, train: datasets.Dataset) -> None:
    assert_validates("fireworks", exported, len(train))


def test_lines_are_exactly_the_records_spelled_out(exported: Path, train: datasets.Dataset, tmp_path: Path) -> None:
    lines = exported.read_bytes().split(b"\n")
    assert lines.pop() == b""  # every line ends with a newline
    assert lines == [expected_line(row) for row in undecoded(train)]
    system = 'Name the "breed".\n'
    export_fireworks(train, tmp_path / "s.jsonl", system=system, progress=False)
    expected = [expected_line(row, system) + b"\n" for row in undecoded(train)]
    assert (tmp_path / "s.jsonl").read_bytes() == b"".join(expected)


def test_every_row_is_image_first_then_question_then_answer(exported: Path, train: datasets.Dataset) -> None:
    rows = records([exported])
    assert len(rows) == len(train)
    for record, row in zip(rows, train):
        user, *rest = record["messages"]
        assert user["role"] == "user"
        assert [part["type"] for part in user["content"]] == ["image_url", "text"]
        assert user["content"][1]["text"] == question(row) != ""  # <image> taken out
        assert rest == [{"role": "assistant", "content": row["conversations"][-1]["value"]}]
        assert IMAGE_TOKEN not in json.dumps(record)


def test_images_decode_with_the_mime_of_their_bytes(exported: Path, train: datasets.Dataset) -> None:
    mimes = {}
    for record, source in zip(records([exported]), train["source"]):
        mime, data = image_of(record)
        assert decode_strict(data) == mime
        mimes[source] = mime
    assert {source: mimes[source] for source in ODD_MIME} == ODD_MIME
    others = {mime for source, mime in mimes.items() if source not in ODD_MIME}
    assert others == {"image/jpeg"}


def test_original_bytes_are_kept_unless_converted(exported: Path, train: datasets.Dataset, export_tree: Path) -> None:
    for record, source in zip(records([exported]), train["source"]):
        kept = image_of(record)[1] == original_bytes(export_tree, source)
        assert kept is (source not in CONVERTED), source


def test_multi_turn_rows_keep_every_turn_and_the_image_once(detailed_train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(detailed_train, tmp_path / "d.jsonl", progress=False)
    assert validate("fireworks", tmp_path / "d.jsonl").ok
    for record, row in zip(records([tmp_path / "d.jsonl"]), detailed_train):
        turns = row["conversations"]
        assert len(turns) == 4
        assert [m["role"] for m in record["messages"]] == ["user", "assistant", "user", "assistant"]
        assert json.dumps(record).count("data:image/") == 1
        assert [m["content"] for m in record["messages"][1:]] == [t["value"] for t in turns[1:]]


def test_system_prompt_comes_first(train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(train, tmp_path / "s.jsonl", system="You name cat breeds.", progress=False)
    for record in records([tmp_path / "s.jsonl"]):
        assert record["messages"][0] == {"role": "system", "content": "You name cat breeds."}
        assert record["messages"][1]["role"] == "user"
    assert validate("fireworks", tmp_path / "s.jsonl").ok


def test_max_side_holds_and_keeps_the_aspect(train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(train, tmp_path / "small.jsonl", max_side=160, progress=False)
    exported = records([tmp_path / "small.jsonl"])
    sizes = {
        source: Image.open(io.BytesIO(image_of(record)[1])).size for record, source in zip(exported, train["source"])
    }
    assert all(max(size) <= 160 for size in sizes.values())
    assert sizes[BIG_SOURCE] == (160, 160 * BIG[1] // BIG[0])
    assert validate("fireworks", tmp_path / "small.jsonl").ok


def test_rotation_keeps_files_under_the_limit_and_loses_no_row(
    train: datasets.Dataset, exported: Path, tmp_path: Path
) -> None:
    biggest = max(len(line) + 1 for line in exported.read_bytes().splitlines())
    limit = biggest + 10  # a little room, so float MB rounding cannot refuse the biggest
    path = tmp_path / "train.jsonl"
    summary = export_fireworks(train, path, max_file_mb=limit / 1e6, progress=False)
    assert len(summary.files) > 2
    assert all(f.stat().st_size <= limit for f in summary.files)
    assert not (tmp_path / "train.jsonl").exists()
    assert summary.rows == len(train)
    assert b"".join(f.read_bytes() for f in summary.files) == exported.read_bytes()


def test_workers_give_byte_identical_output(train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(train, tmp_path / "one.jsonl", max_side=300, progress=False)
    export_fireworks(train, tmp_path / "two.jsonl", max_side=300, num_proc=2, progress=False)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_parquet_shards_read_directly_export_the_same_bytes(
    export_folder: Path, exported: Path, tmp_path: Path
) -> None:
    source = ParquetSplit.open(export_folder, "train")
    export_fireworks(source, tmp_path / "direct.jsonl", progress=False)
    assert (tmp_path / "direct.jsonl").read_bytes() == exported.read_bytes()
    export_fireworks(source.take(4), tmp_path / "four.jsonl", progress=False)
    four = (tmp_path / "four.jsonl").read_bytes().splitlines()
    assert four == exported.read_bytes().splitlines()[:4]


def test_a_streamed_split_exports_the_same_bytes(
    export_folder: Path,
    exported: Path,
    train: datasets.Dataset,
    tmp_path: Path,
) -> None:
    streamed = open_split(str(export_folder), "train", streaming=True)
    assert isinstance(streamed, datasets.IterableDataset)
    summary = export_fireworks(streamed, tmp_path / "streamed.jsonl", progress=False)
    assert summary.rows == len(train)
    assert (tmp_path / "streamed.jsonl").read_bytes() == exported.read_bytes()


def test_rows_across_several_batches_keep_their_order(train: datasets.Dataset, exported: Path, tmp_path: Path) -> None:
    tripled = datasets.concatenate_datasets([train, train, train])  # more rows than a batch
    export_fireworks(tripled, tmp_path / "x3.jsonl", progress=False)
    assert (tmp_path / "x3.jsonl").read_bytes() == exported.read_bytes() * 3


def with_row(train: datasets.Dataset, index: int, **changes: object) -> datasets.Dataset:
    """The first rows of ``train`` (images undecoded), row ``index`` changed."""
    part = undecoded(train).select(range(4))
    rows = part.to_list()
    rows[index].update(changes)
    return datasets.Dataset.from_list(rows, features=part.features)


HUMAN_LAST = [{"from": "human", "value": "<image>\nWhat breed?"}]
NO_TOKEN = [{"from": "human", "value": "What breed?"}, {"from": "gpt", "value": "A Bengal."}]
TOKEN_LAST = [{"from": "human", "value": "What breed? <image>"}, {"from": "gpt", "value": "A Bengal."}]


@pytest.mark.parametrize(
    "changes, fragment",
    [({"conversations": HUMAN_LAST}, "last turn must be from 'gpt'"),
     ({"conversations": NO_TOKEN}, "'<image>' 0 times"),
     ({"conversations": TOKEN_LAST}, "must start with '<image>'"),
     ({"conversations": None}, "non-empty list of turns"),
     ({"image": {"bytes": b"<html>503</html>", "path": None}}, "does not decode"),
     ({"image": None}, "has no image")],
    ids=["ends with human", "no image token", "image token last", "no conversation", "junk image", "no image"],
)  # fmt: skip
def test_a_row_that_breaks_a_rule_is_refused_by_id(
    train: datasets.Dataset, tmp_path: Path, changes: dict, fragment: str
) -> None:
    broken = with_row(train, 2, **changes)
    for _ in range(2):  # the second time from memory: still refused
        with pytest.raises(UserError, match=fragment) as caught:
            export_fireworks(broken, tmp_path / "x.jsonl", progress=False)
        assert repr(broken[2]["id"]) in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def shards(export_folder: Path, monkeypatch: pytest.MonkeyPatch) -> ParquetSplit:
    """The train split's shards, cut into the most pieces (the test split is a few hundred
    rows, under one piece's worth) so that several segments are assembled."""
    monkeypatch.setattr(segments, "MIN_PIECE_ROWS", 1)
    split = ParquetSplit.open(export_folder, "train")
    assert segments.piece_count(split.num_rows, 2) == 2 * segments.PIECES_PER_PROC
    return split


def test_a_short_export_gets_one_piece_per_worker_a_long_one_more() -> None:
    assert segments.piece_count(2_000, 2) == 2  # each piece costs a start: fewest
    assert segments.piece_count(30_000, 2) == 30_000 // segments.MIN_PIECE_ROWS
    assert segments.piece_count(101_546, 2) == 2 * segments.PIECES_PER_PROC  # at most
    assert segments.piece_count(10, 3) == 3


def exported_files(files: list[Path]) -> list[tuple[str, bytes]]:
    return [(file.name, file.read_bytes()) for file in files]


#: Bigger than every test photo: nothing is resized, yet the rows go through the workers
#: (pass-through without ``max_side`` runs in one process whatever ``num_proc`` says).
NO_RESIZE = 4096


@pytest.mark.parametrize(
    "options",
    [{"max_side": NO_RESIZE}, {"system": 'Name the "breed".', "max_side": NO_RESIZE},
     {"max_side": 200}, {}],
)  # fmt: skip
def test_workers_reading_their_own_pieces_write_the_same_bytes(
    shards: ParquetSplit, exported: Path, tmp_path: Path, options: dict
) -> None:
    one = export_fireworks(shards, tmp_path / "one" / "train.jsonl", progress=False, **options)
    two = export_fireworks(shards, tmp_path / "two" / "train.jsonl", num_proc=2, progress=False, **options)
    assert exported_files(two.files) == exported_files(one.files)
    assert (two.rows, two.bytes) == (one.rows, one.bytes)
    if options.get("max_side", NO_RESIZE) == NO_RESIZE and "system" not in options:
        assert exported_files(two.files) == [("train.jsonl", exported.read_bytes())]
    assert os.listdir(tmp_path / "two") == ["train.jsonl"]  # no segment left


@pytest.mark.parametrize("system", [None, "You name cat breeds."])
def test_workers_rotate_at_the_same_lines(
    shards: ParquetSplit, exported: Path, tmp_path: Path, system: str | None
) -> None:
    limit = max(len(line) + 1 for line in exported.read_bytes().splitlines()) + 600  # + system
    options = {"max_file_mb": limit / 1e6, "system": system, "max_side": NO_RESIZE}
    options["progress"] = False
    one = export_fireworks(shards, tmp_path / "one" / "train.jsonl", **options)
    two = export_fireworks(shards, tmp_path / "two" / "train.jsonl", num_proc=2, **options)
    assert len(two.files) > 3
    assert all(file.stat().st_size <= limit for file in two.files)
    assert exported_files(two.files) == exported_files(one.files)
    assert sorted(os.listdir(tmp_path / "two")) == [file.name for file in two.files]


def test_a_bad_row_in_a_worker_is_refused_by_id_and_leaves_nothing(train: datasets.Dataset, tmp_path: Path) -> None:
    rows = undecoded(train).to_list()
    bad = len(rows) - 3  # in the last piece
    rows[bad]["conversations"] = HUMAN_LAST
    data = tmp_path / "data" / "train.parquet"
    datasets.Dataset.from_list(rows, features=undecoded(train).features).to_parquet(data)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserError, match="last turn must be from 'gpt'") as caught:
        export_fireworks(ParquetSplit("train", (data,)), out / "train.jsonl", num_proc=2,
                         max_side=NO_RESIZE, max_file_mb=1, progress=False)  # fmt: skip
    assert repr(rows[bad]["id"]) in str(caught.value)
    assert list(out.iterdir()) == []


def test_the_fast_encoder_writes_standard_base64_for_every_length() -> None:
    # The export's encoder (pybase64, SIMD) must match the standard library byte for byte,
    # padding included, on memoryviews as the export hands it the photos.
    for size in [*range(64), 15_501, 1 << 20]:
        data = os.urandom(size)
        assert pybase64.b64encode(memoryview(data)) == base64.b64encode(data)
