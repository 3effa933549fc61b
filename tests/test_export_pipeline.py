"""The streaming loop: bounded read-ahead with workers, order kept, clear errors on bad input."""

from __future__ import annotations

import itertools

import datasets
import pytest

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.export import export_llava
from cat_breeds_vlm.export.source import iter_rows
from cat_breeds_vlm.export.stream import READ_AHEAD, read_ahead
from cat_breeds_vlm.workers import WINDOW_CHUNKS_PER_PROC, parallel_map


def test_workers_keep_the_order_and_read_a_bounded_window_ahead() -> None:
    read = itertools.count()
    endless = (next(read) for _ in itertools.count())  # counts how many items were read
    results = parallel_map(abs, endless, num_proc=2)
    assert list(itertools.islice(results, 100)) == list(range(100))
    results.close()  # stops the workers
    assert next(read) <= 100 + 2 * 2 * WINDOW_CHUNKS_PER_PROC  # two windows ahead, not the whole input
    chunked = parallel_map(abs, range(-5000, 0), num_proc=2, chunksize=16)
    assert list(chunked) == list(range(5000, 0, -1))  # in order with chunks too


def test_read_ahead_keeps_order_and_errors_and_reads_a_bounded_way_ahead() -> None:
    read = itertools.count()
    endless = (next(read) for _ in itertools.count())
    ahead = read_ahead(endless)
    assert list(itertools.islice(ahead, 50)) == list(range(50))
    ahead.close()  # waits for the fetches in flight
    assert next(read) <= 50 + READ_AHEAD + 1

    def failing():
        yield from range(3)
        raise ValueError("shard 2 is corrupt")

    got = []
    with pytest.raises(ValueError, match="corrupt"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [0, 1, 2]  # the items before the error, then the error itself


def test_rows_come_in_order_with_the_image_undecoded() -> None:
    data = datasets.Dataset.from_dict(
        {"id": [str(i) for i in range(600)], "image": [{"bytes": b"x", "path": None}] * 600,
         "conversations": [[]] * 600, "source": ["a/b.jpg"] * 600},
        features=datasets.Features({
            "id": datasets.Value("string"), "image": datasets.Image(),
            "conversations": datasets.List({"from": datasets.Value("string"), "value": datasets.Value("string")}),
            "source": datasets.Value("string"),
        }),
    )  # fmt: skip
    rows = list(iter_rows(data))
    assert [row["id"] for row in rows] == [str(i) for i in range(600)]
    assert rows[0]["image"] == {"bytes": b"x", "path": None}


def test_a_dataset_without_the_contract_columns_is_refused(tmp_path) -> None:
    data = datasets.Dataset.from_dict({"id": ["1"], "text": ["hello"]})
    with pytest.raises(UserError, match="no 'image' column"):
        export_llava(data, tmp_path / "x.json", progress=False)
    assert list(tmp_path.iterdir()) == []
