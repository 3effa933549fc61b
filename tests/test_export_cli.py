"""The export and validate commands: output naming, summaries, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
from click.testing import CliRunner

from cat_breeds_vlm.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_several_splits_go_to_a_folder_one_file_each(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "fireworks", export_folder, "-s", "train", "-s", "val", "-o", tmp_path / "fw")
    assert code == 0, output
    assert sorted(p.name for p in (tmp_path / "fw").iterdir()) == ["train.jsonl", "val.jsonl"]
    rows = {s: len(d) for s, d in datasets.load_dataset(str(export_folder)).items()}
    assert f"train: {rows['train']} rows" in output and f"val: {rows['val']} rows" in output
    code, output = run("validate", "fireworks", tmp_path / "fw" / "train.jsonl", tmp_path / "fw" / "val.jsonl")
    assert code == 0, output
    assert output.count("OK fireworks") == 2


def test_a_file_name_takes_one_split_only(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "trl", export_folder, "-s", "all", "-o", tmp_path / "train.jsonl")
    assert code == 2  # a bad combination of options
    assert "names one file but" in output and "Traceback" not in output
    assert not (tmp_path / "train.jsonl").exists()


def test_llava_and_trl_commands_write_files_that_validate(
    export_folder: Path, train: datasets.Dataset, tmp_path: Path
) -> None:
    code, output = run("export", "llava", export_folder, "-o", tmp_path / "train.json", "--max-side", "256")
    assert code == 0, output
    assert f"{len(set(train['source']))} image files written" in output
    assert run("validate", "llava", tmp_path / "train.json")[0] == 0
    code, output = run("export", "trl", export_folder, "-o", tmp_path / "trl", "--no-streaming")
    assert code == 0, output
    assert run("validate", "trl", tmp_path / "trl" / "train.jsonl")[0] == 0


def test_a_llava_file_named_jsonl_is_written_as_json_lines(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "llava", export_folder, "-s", "val", "-o", tmp_path / "val.jsonl")
    assert code == 0, output
    lines = (tmp_path / "val.jsonl").read_text().splitlines()
    assert len(lines) == len(datasets.load_dataset(str(export_folder), split="val"))
    assert all(json.loads(line)["image"] for line in lines)
    assert run("validate", "llava", "--jsonl", tmp_path / "val.jsonl")[0] == 0
    assert run("validate", "llava", tmp_path / "val.jsonl")[0] == 0  # the suffix implies --jsonl


def test_rotation_and_system_prompt_options(export_folder: Path, tmp_path: Path) -> None:
    options = ["--max-file-mb", "0.5", "--system", "Name the breed.", "--num-proc", "2"]
    code, output = run("export", "fireworks", export_folder, "-o", tmp_path / "t.jsonl", *options)
    assert code == 0, output
    parts = sorted(tmp_path.glob("t-*.jsonl"))
    assert len(parts) > 1
    assert all(part.stat().st_size <= 500_000 for part in parts)
    first = json.loads(parts[0].read_text().splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "Name the breed."}


def test_fireworks_warns_below_three_examples(tmp_path: Path, export_folder: Path) -> None:
    path = tmp_path / "few.jsonl"
    run("export", "fireworks", export_folder, "-s", "val", "-o", path)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:2]))
    code, output = run("validate", "fireworks", path)
    assert code == 1
    assert "FAILED fireworks" in output and "at least 3 examples" in output


def test_fireworks_warns_about_each_rotated_part_below_three_examples(export_folder: Path, tmp_path: Path) -> None:
    """val's 4 records are ~22 KB each: a 67 KB limit puts 3 in the first part, 1 in the second."""
    options = ["-s", "val", "--max-file-mb", "0.067"]
    code, output = run("export", "fireworks", export_folder, "-o", tmp_path / "v.jsonl", *options)
    assert code == 0, output
    parts = sorted(tmp_path.glob("v-*.jsonl"))
    assert [len(part.read_text().splitlines()) for part in parts] == [3, 1]
    assert f"warning: {parts[1]}: 1 rows" in output
    assert str(parts[0]) + ":" not in output


def test_unknown_dataset_and_split_are_one_line_errors(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "llava", tmp_path / "nowhere", "-o", tmp_path / "x")
    assert code != 0 and "no such dataset folder" in output and "Traceback" not in output
    code, output = run("export", "llava", export_folder, "-s", "dev", "-o", tmp_path / "x")
    assert code == 2 and "Invalid value for '-s' / '--split': 'dev' is not one of" in output


def test_split_all_means_the_splits_a_build_has(tmp_path: Path) -> None:
    """A build with no priority breed has no priority split: `--split all` exports the other three."""
    from cat_breeds_vlm.demo import make_tree
    from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
    from cat_breeds_vlm.pipeline.folder import build_folder

    make_tree(tmp_path / "images", {"Bengal": 6, "Persian": 6})
    build_folder(tmp_path / "images", tmp_path / "ds", CatBreedsVLMConfig(), progress=False)
    code, output = run("export", "fireworks", tmp_path / "ds", "-s", "all", "-o", tmp_path / "fw")
    assert code == 0, output
    assert sorted(p.name for p in (tmp_path / "fw").iterdir()) == ["test.jsonl", "train.jsonl", "val.jsonl"]
    lines = sum(len((tmp_path / "fw" / f"{s}.jsonl").read_text().splitlines()) for s in ("train", "val", "test"))
    assert lines == 12


def test_resizing_by_default_in_workers_writes_the_bytes_of_one_process(export_folder: Path, tmp_path: Path) -> None:
    # Without --num-proc, --max-side uses one worker per CPU (the segments path on 2+ cores).
    command = ("export", "fireworks", export_folder, "--max-side", "200", "-o")
    auto = run(*command, tmp_path / "auto.jsonl")
    one = run(*command, tmp_path / "one.jsonl", "--num-proc", "1")
    assert auto[0] == one[0] == 0, auto[1] + one[1]
    assert (tmp_path / "auto.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert sorted(tmp_path.iterdir()) == [tmp_path / "auto.jsonl", tmp_path / "one.jsonl"]


def _one_usage_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert "Traceback" not in output and lines[-1].startswith("Error: "), output
    return lines[-1]


def test_an_output_named_for_another_format_is_refused_in_one_line(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "fireworks", export_folder, "-o", tmp_path / "out" / "train.json")
    assert code == 2
    line = _one_usage_line(output)
    assert f"-o {tmp_path / 'out' / 'train.json'}: this format writes .jsonl files" in line
    assert f"name it {tmp_path / 'out' / 'train.jsonl'}" in line
    assert not (tmp_path / "out").exists()  # no folder train.json/ made
    code, output = run("export", "trl", export_folder, "-o", tmp_path / "out" / "train.json")
    assert code == 2 and "this format writes .jsonl files" in _one_usage_line(output)
    code, output = run("export", "llava", export_folder, "-s", "val", "-o", tmp_path / "val.json")
    assert code == 0 and (tmp_path / "val.json").is_file()  # LLaVA's own suffix: the file typed


def test_an_existing_folder_named_as_a_file_is_refused(export_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").mkdir()
    code, output = run("export", "fireworks", export_folder, "-o", tmp_path / "train.jsonl")
    assert code == 2
    assert f"-o {tmp_path / 'train.jsonl'} is an existing folder, not a file" in _one_usage_line(output)
    assert list((tmp_path / "train.jsonl").iterdir()) == []


def test_validate_finds_the_pieces_of_the_name_typed(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "fireworks", export_folder, "-o", tmp_path / "train.jsonl", "--max-file-mb", "1")
    assert code == 0, output
    parts = sorted(tmp_path.glob("train-*.jsonl"))
    assert len(parts) > 1 and not (tmp_path / "train.jsonl").exists()
    code, output = run("validate", "fireworks", tmp_path / "train.jsonl")  # the name typed at export
    assert code == 0, output
    assert [line.split(":")[0] for line in output.splitlines()] == [f"OK fireworks {p}" for p in parts]
    rows = sum(int(line.split(": ")[1].split()[0]) for line in output.splitlines())
    assert rows == len(datasets.load_dataset(str(export_folder), split="train"))
    from cat_breeds_vlm.errors import UserError
    from cat_breeds_vlm.export import validate

    try:
        validate("fireworks", tmp_path / "train.jsonl")
    except UserError as err:
        assert f"it was written in {len(parts)} pieces: {parts[0]}" in str(err)
    else:
        raise AssertionError("validate() of a split name must name its pieces")


def test_validate_of_a_folder_names_the_files_in_it(export_folder: Path, tmp_path: Path) -> None:
    code, output = run("export", "trl", export_folder, "-s", "train", "-s", "val", "-o", tmp_path / "trl")
    assert code == 0, output
    code, output = run("validate", "trl", tmp_path / "trl")
    assert code == 1
    line = output.strip()
    assert "\n" not in line and line.startswith(f"Error: {tmp_path / 'trl'} is a folder, not an exported file")
    suggested = line.split("`")[1].split()[1:]
    assert suggested == ["validate", "trl", str(tmp_path / "trl" / "train.jsonl"), str(tmp_path / "trl" / "val.jsonl")]
    code, output = run(*suggested)
    assert code == 0 and output.count("OK trl") == 2
