"""score(): numbers checked by hand, bad prediction files, the report, and the CLI round trip."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner
from score_fixtures import PHOTOS, PRIORITY, QUESTION, write_dataset
from sklearn.metrics import balanced_accuracy_score, f1_score

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.dataset.loading import open_split
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.evaluate.prompts import prompt_records, question_of, write_prompts
from cat_breeds_vlm.evaluate.score import (
    MISSING,
    UNPARSEABLE,
    format_report,
    priority_breeds_for,
    read_predictions,
    score,
    write_json_report,
)
from cat_breeds_vlm.export.trl import trl_messages
from cat_breeds_vlm.features import make_features

BREEDS = ["Abyssinian", "Applehead Siamese", "Persian", "Siamese", "York Chocolate"]

# (id, true breed, answer or None when the prediction is missing, what the answer parses to)
HAND: list[tuple[str, str, str | None, str]] = [
    ("a1", "Abyssinian", "An Abyssinian.", "Abyssinian"),
    ("a2", "Abyssinian", "This is a Persian.", "Persian"),
    ("a3", "Abyssinian", None, MISSING),
    ("p1", "Persian", "persian", "Persian"),
    ("p2", "Persian", "Persian cat, I think", "Persian"),
    ("s1", "Siamese", "A Siamese.", "Siamese"),
    ("s2", "Siamese", "Applehead Siamese", "Applehead Siamese"),
    ("s3", "Siamese", "I cannot tell.", UNPARSEABLE),
    ("h1", "Applehead Siamese", "An Applehead Siamese", "Applehead Siamese"),
    ("h2", "Applehead Siamese", "a Siamese", "Siamese"),
]


def hand_split() -> datasets.Dataset:
    """The rows of HAND as a split (no images: scoring never reads them)."""
    rows = {
        "id": [row_id for row_id, *_ in HAND],
        "image": [None] * len(HAND),
        "conversations": [[{"from": "human", "value": "<image>\nWhat breed?"}]] * len(HAND),
        "breed": [BREEDS.index(breed) for _, breed, *_ in HAND],
        "source": [f"{breed}/{row_id}.jpg" for row_id, breed, *_ in HAND],
    }
    return datasets.Dataset.from_dict(rows, features=make_features(BREEDS), split="test")


def hand_predictions() -> list[dict[str, str]]:
    return [{"id": row_id, "answer": answer} for row_id, _, answer, _ in HAND if answer is not None]


def test_scores_match_numbers_computed_by_hand() -> None:
    report = score(hand_split(), hand_predictions(), priority_breeds=["Persian", "York Chocolate"])
    by_breed = {s.breed: s for s in report.breeds}

    assert (report.rows, report.correct, report.answered) == (10, 5, 9)
    assert report.accuracy == pytest.approx(5 / 10)
    # Abyssinian: 1 of 3 found, 1 predicted -> P 1, R 1/3, F1 1/2
    # Persian: 2 of 2 found, 3 predicted -> P 2/3, R 1, F1 4/5
    # Siamese: 1 of 3 found, 2 predicted -> P 1/2, R 1/3, F1 2/5
    # Applehead Siamese: 1 of 2 found, 2 predicted -> P 1/2, R 1/2, F1 1/2
    expected = {
        "Abyssinian": (3, 1, 1.0, 1 / 3, 0.5),
        "Applehead Siamese": (2, 2, 0.5, 0.5, 0.5),
        "Persian": (2, 3, 2 / 3, 1.0, 0.8),
        "Siamese": (3, 2, 0.5, 1 / 3, 0.4),
    }
    assert list(by_breed) == list(expected)  # York Chocolate has no rows: not in the table
    for breed, (support, predicted, precision, recall, f1) in expected.items():
        got = by_breed[breed]
        assert (got.support, got.predicted) == (support, predicted), breed
        assert (got.precision, got.recall, got.f1) == pytest.approx((precision, recall, f1)), breed
    assert report.balanced_accuracy == pytest.approx((1 / 3 + 1 + 1 / 3 + 1 / 2) / 4)  # 13/24
    assert report.macro_f1 == pytest.approx((0.5 + 0.8 + 0.4 + 0.5) / 4)  # 0.55

    assert [s.breed for s in report.priority] == ["Persian", "York Chocolate"]
    assert report.priority[1].support == 0
    assert report.priority_macro_f1 == pytest.approx(0.8)  # York Chocolate has no rows to score
    assert [(c.expected, c.predicted, c.count) for c in report.confusions] == [
        ("Abyssinian", "Persian", 1),
        ("Applehead Siamese", "Siamese", 1),
        ("Siamese", "Applehead Siamese", 1),
    ]
    assert [(u.id, u.answer) for u in report.unparseable] == [("s3", "I cannot tell.")]
    assert report.missing == ("a3",)


def test_macro_scores_agree_with_scikit_learn() -> None:
    report = score(hand_split(), hand_predictions())
    y_true = [breed for _, breed, _, _ in HAND]
    y_pred = [parsed for *_, parsed in HAND]
    present = sorted(set(y_true))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "y_pred contains classes not in y_true": the sentinels
        assert report.balanced_accuracy == pytest.approx(balanced_accuracy_score(y_true, y_pred))
    macro_f1 = f1_score(y_true, y_pred, labels=present, average="macro")
    assert report.macro_f1 == pytest.approx(macro_f1)


def test_default_priority_breeds_are_the_catalogue_defaults_in_the_dataset() -> None:
    report = score(hand_split(), hand_predictions())
    assert [s.breed for s in report.priority] == ["York Chocolate"]
    assert report.priority_macro_f1 is None


def test_unknown_priority_breed_is_a_user_error() -> None:
    with pytest.raises(UserError, match="'Persain'"):
        score(hand_split(), hand_predictions(), priority_breeds=["Persain"])


def test_all_missing_scores_zero_and_lists_every_id() -> None:
    report = score(hand_split(), [])
    assert report.accuracy == 0 and report.macro_f1 == 0
    assert report.missing == tuple(row_id for row_id, *_ in HAND)


def test_duplicate_ids_are_an_error_naming_them() -> None:
    predictions = [*hand_predictions(), {"id": "p1", "answer": "x"}, {"id": "s1", "answer": "y"}]
    with pytest.raises(UserError, match=r"2 duplicate prediction ids: 'p1', 's1'"):
        score(hand_split(), predictions)


def test_unknown_ids_are_an_error_naming_the_first_few() -> None:
    predictions = hand_predictions() + [{"id": f"z{n}", "answer": "Persian"} for n in range(7)]
    message = r"7 prediction ids are not in split 'test'.*'z0', 'z1', 'z2', 'z3', 'z4' and 2 more$"
    with pytest.raises(UserError, match=message):
        score(hand_split(), predictions)


def test_null_answer_is_unparseable_not_missing() -> None:
    report = score(hand_split(), [{"id": "a1", "answer": None}])
    assert [u.id for u in report.unparseable] == ["a1"]
    assert len(report.missing) == len(HAND) - 1


def test_predictions_file_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_text('{"id": "a1", "answer": "x", "question": "ignored"}\n\n{"id": "a2", "answer": "y"}\n')
    assert read_predictions(path) == {"a1": "x", "a2": "y"}

    path.write_text('{"id": "a1", "answer": "x"}\n{"id": "a2", "answer": \n')
    with pytest.raises(UserError, match=r"predictions.jsonl:2: not valid JSON"):
        read_predictions(path)
    path.write_text('{"id": "a1", "text": "x"}\n')
    with pytest.raises(UserError, match=r'predictions.jsonl:1: no "answer" key'):
        read_predictions(path)
    with pytest.raises(UserError, match="record 1: id and answer must be strings"):
        read_predictions([{"id": 7, "answer": "Persian"}])
    with pytest.raises(UserError, match='record 2: expected an object with "id" and "answer"'):
        read_predictions([{"id": "a1", "answer": "x"}, ["a2", "y"]])


def test_report_text_puts_priority_first_and_shows_problems() -> None:
    text = format_report(score(hand_split(), hand_predictions(), priority_breeds=["Persian"]))
    assert "Unparseable answers and missing ids count as wrong" in text
    priority = text.index("Priority breeds: macro-F1 80.0% (1 of 1 with rows in this split)")
    assert priority < text.index("Overall:") < text.index("Per breed:")
    assert "accuracy 50.0% (5/10), balanced accuracy 54.2%, macro-F1 55.0% over 4 breeds" in text
    assert "Abyssinian -> Persian" in text
    assert "s3: 'I cannot tell.'" in text
    assert "Missing ids (1): 'a3'" in text


def test_json_report(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_json_report(score(hand_split(), hand_predictions()), path)
    data = json.loads(path.read_text())
    assert data["accuracy"] == 0.5 and data["missing"] == ["a3"]
    assert (data["answered"], data["unparseable_count"], data["missing_count"]) == (9, 1, 1)
    assert data["breeds"][0] == {
        "breed": "Abyssinian", "support": 3, "predicted": 1, "precision": 1.0,
        "recall": pytest.approx(1 / 3), "f1": 0.5,
    }  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


# --- a small built dataset: prompts, priority settings, and the CLI round trip ---------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("score") / "cat_breeds_vlm")


def test_prompts_hold_id_question_and_image_but_no_answer(built: Path) -> None:
    split = datasets.load_dataset(str(built), split="test")
    records = list(prompt_records(split))
    assert len(records) == sum(PHOTOS["test"].values())
    assert records[0] == {
        "id": "Abyssinian/test1_1.jpg", "question": QUESTION, "image": "Abyssinian/test1_1.jpg",
    }  # fmt: skip
    assert all(set(r) == {"id", "question", "image"} for r in records)
    assert question_of([{"from": "human", "value": "<image>\nWhat is it?"}]) == "What is it?"


@pytest.mark.parametrize("value", ["<image>\nWhat is it?", "<image> What is it?", "<image>\n\nWhat is it?\n"])
def test_the_question_is_the_text_the_exports_put_after_the_image(value: str) -> None:
    turns = [{"from": "human", "value": value}, {"from": "gpt", "value": "A Bengal."}]
    question, _ = trl_messages(turns)
    assert question_of(turns) == question["content"][1]["text"] == "What is it?"


def test_write_prompts_streams_a_split_to_jsonl_and_leaves_nothing_on_failure(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    assert write_prompts(open_split(str(built), "train", streaming=True), path) == 5
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in lines][2:4] == [
        "Oriental Long Hair/train1_1.jpg", "Oriental Long Hair/train1_1.jpg#2",
    ]  # fmt: skip

    broken = hand_split().map(lambda row: {"conversations": [{"from": "gpt", "value": "x"}]})
    with pytest.raises(UserError, match="does not start with a human turn"):
        write_prompts(broken, tmp_path / "broken.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prompts.jsonl"]


def test_priority_breeds_come_from_the_build_settings(built: Path, tmp_path: Path) -> None:
    assert priority_breeds_for(str(built)) == tuple(PRIORITY)
    bare = tmp_path / "bare"
    shutil.copytree(built, bare)
    (bare / "build.json").unlink()
    assert priority_breeds_for(str(bare)) is None  # a build without build.json


# Round-trip answers by source: 12 test rows, 7 right, 2 wrong, 2 unparseable, 1 missing.
ROUND_TRIP_ANSWERS: dict[str, str | None] = {
    "Abyssinian/test1_1.jpg": "This is an Abyssinian.",
    "Abyssinian/test2_1.jpg": "abyssinian",
    "Applehead Siamese/test1_1.jpg": "An Applehead Siamese.",
    "Applehead Siamese/test2_1.jpg": "A Siamese.",  # wrong
    "Oriental Long Hair/test1_1.jpg": "an oriental longhair",
    "Oriental Long Hair/test2_1.jpg": "Oriental Short Hair",  # wrong
    "Oriental Short Hair/test1_1.jpg": "An Oriental Shorthair.",
    "Oriental Short Hair/test2_1.jpg": "Oriental Short Hair or Oriental Long Hair",  # unparseable
    "Siamese/test1_1.jpg": "It's a Siamese, not an Applehead Siamese.",
    "Siamese/test2_1.jpg": "I'm not sure.",  # unparseable
    "Siamese/test3_1.jpg": None,  # missing
    "Sphynx - Hairless Cat/test1_1.jpg": "A hairless Sphynx.",
}


def test_cli_round_trip_from_prompts_to_score(built: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    prompts_path, predictions, report_path = (tmp_path / n for n in ("p.jsonl", "a.jsonl", "r.json"))
    export = ["export", "prompts", str(built), "--split", "test", "-o", str(prompts_path)]
    result = runner.invoke(main, export)
    assert result.exit_code == 0, result.output
    assert "Wrote 12 prompts" in result.output

    with prompts_path.open() as lines, predictions.open("w") as out:
        for line in lines:
            prompt = json.loads(line)
            answer = ROUND_TRIP_ANSWERS[prompt["image"]]
            if answer is not None:
                out.write(json.dumps({**prompt, "answer": answer}) + "\n")

    result = runner.invoke(main, ["score", str(built), str(predictions), "--json", str(report_path)])
    assert result.exit_code == 0, result.output
    assert "accuracy 58.3% (7/12)" in result.output
    # Oriental Long Hair, the build's priority breed: 1 of 2 found, no false alarm -> F1 2/3
    assert "Priority breeds: macro-F1 66.7% (1 of 1 with rows in this split)" in result.output
    report = json.loads(report_path.read_text())
    assert (report["correct"], report["unparseable_count"], report["missing_count"]) == (7, 2, 1)
    assert report["missing"] == ["Siamese/test3_1.jpg"]
    assert [p["breed"] for p in report["priority"]] == PRIORITY


def test_cli_errors_are_one_line(built: Path, tmp_path: Path) -> None:
    predictions = tmp_path / "a.jsonl"
    predictions.write_text('{"id": "nope", "answer": "Persian"}\n')
    result = CliRunner().invoke(main, ["score", str(built), str(predictions)])
    assert result.exit_code != 0
    assert "1 prediction ids are not in split 'test' (wrong split?): 'nope'" in result.output
    assert "Traceback" not in result.output

    result = CliRunner().invoke(main, ["score", str(built), str(predictions), "--priority", "Persain"])
    assert result.exit_code == 2  # a bad option value, as for build --priority
    assert "priority breeds not among the dataset's breeds: 'Persain'" in result.output


def test_cli_scores_oversampled_train_copies_as_distinct_ids(built: Path, tmp_path: Path) -> None:
    predictions = tmp_path / "a.jsonl"
    predictions.write_text(
        '{"id": "Oriental Long Hair/train1_1.jpg", "answer": "Oriental Long Hair"}\n'
        '{"id": "Oriental Long Hair/train1_1.jpg#2", "answer": "Oriental Long Hair"}\n'
    )
    result = CliRunner().invoke(main, ["score", str(built), str(predictions), "--split", "train"])
    assert result.exit_code == 0, result.output
    assert "accuracy 40.0% (2/5)" in result.output


def test_priority_breeds_the_build_lacks_are_left_out(built: Path, tmp_path: Path) -> None:
    """The default set names seven breeds; a tree without some of them still scores."""
    import shutil

    copy = Path(shutil.copytree(built, tmp_path / "copy"))
    report = json.loads((copy / "build.json").read_text())
    assert "Cymric" not in report["breeds"]
    report["settings"]["priority_breeds"] = [*PRIORITY, "Cymric"]
    (copy / "build.json").write_text(json.dumps(report))
    assert priority_breeds_for(str(copy)) == tuple(PRIORITY)


# --- on a real build: after `predict --limit 8`, and the two arguments swapped ------------------


def _limit_8_predictions(build: Path, path: Path) -> tuple[list[str], list[str]]:
    """Answers to the first 8 test rows (as `predict --limit 8` leaves them): every other one
    right, the rest a wrong breed; returns the true and predicted breeds of those 8 rows."""
    split = datasets.load_dataset(str(build), split="test")
    names = split.features["breed"].names
    y_true, y_pred = [], []
    with path.open("w") as out:
        for k, row in enumerate(split.select(range(8))):
            truth = names[row["breed"]]
            guess = truth if k % 2 == 0 else next(n for n in names if n != truth and "Sphynx" not in n)
            out.write(json.dumps({"id": row["id"], "answer": f"This is {guess}."}) + "\n")
            y_true.append(truth)
            y_pred.append(guess)
    return y_true, y_pred


def test_the_answered_rows_are_scored_beside_the_whole_split(small_build: Path, tmp_path: Path) -> None:
    y_true, y_pred = _limit_8_predictions(small_build, tmp_path / "p.jsonl")
    rows = len(datasets.load_dataset(str(small_build), split="test"))
    assert rows > 8
    result = CliRunner().invoke(
        main, ["score", str(small_build), str(tmp_path / "p.jsonl"), "--json", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    present = sorted(set(y_true))
    balanced = balanced_accuracy_score(y_true, y_pred)
    macro = f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
    assert (
        f"Answered rows only (8 of {rows}): accuracy 50.0% (4/8), balanced accuracy {balanced:.1%}, "
        f"macro-F1 {macro:.1%} over {len(present)} breeds"
    ) in result.output
    assert f"Overall: accuracy {4 / rows:.1%} (4/{rows})" in result.output
    answered = json.loads((tmp_path / "r.json").read_text())["answered_only"]
    assert (answered["rows"], answered["correct"], answered["breeds"]) == (8, 4, len(present))
    assert answered["balanced_accuracy"] == pytest.approx(balanced)


def test_every_row_answered_prints_no_second_line(small_build: Path, tmp_path: Path) -> None:
    split = datasets.load_dataset(str(small_build), split="val")
    names = split.features["breed"].names
    lines = [json.dumps({"id": i, "answer": names[b]}) for i, b in zip(split["id"], split["breed"])]
    (tmp_path / "all.jsonl").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["score", str(small_build), str(tmp_path / "all.jsonl"), "-s", "val"])
    assert result.exit_code == 0, result.output
    assert "accuracy 100.0%" in result.output and "Answered rows only" not in result.output


def test_the_two_arguments_swapped_get_the_right_command(small_build: Path, tmp_path: Path) -> None:
    _limit_8_predictions(small_build, tmp_path / "p.jsonl")
    result = CliRunner().invoke(main, ["score", str(tmp_path / "p.jsonl"), str(small_build)])
    line = result.output.strip()
    assert result.exit_code == 1 and "\n" not in line and "Traceback" not in line
    assert line.startswith("Error: the arguments are the wrong way round")
    suggested = line.split("`")[1].split()
    assert suggested == ["cat-breeds-vlm", "score", str(small_build), str(tmp_path / "p.jsonl")]
    assert CliRunner().invoke(main, suggested[1:]).exit_code == 0  # the command shown works
    result = CliRunner().invoke(main, ["score", str(small_build), str(small_build)])
    assert result.exit_code == 1 and "is a folder: PREDICTIONS is the JSONL file `predict` wrote" in result.output
