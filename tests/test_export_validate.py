"""The validator catches each rule broken on purpose, one case per rule, with its location."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import encode, photo

from cat_breeds_vlm.export import fireworks, validate

JPEG = encode(photo((64, 48)), "JPEG")
PNG = encode(photo((64, 48)), "PNG")
WEBP = encode(photo((64, 48)), "WEBP")


def uri(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


FIREWORKS_OK = {
    "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": uri(JPEG)}},
                                     {"type": "text", "text": "What breed is this cat?"}]},
        {"role": "assistant", "content": "This is a Bengal."},
    ]
}  # fmt: skip
LLAVA_OK = {
    "id": "Bengal/1_1.jpg",
    "image": "images/Bengal/1_1.jpg",
    "conversations": [{"from": "human", "value": "<image>\nWhat breed is this cat?"},
                      {"from": "gpt", "value": "This is a Bengal."}],
}  # fmt: skip
TRL_OK = {
    "images": ["images/Bengal/1_1.jpg"],
    "prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What breed?"}]}],
    "completion": [{"role": "assistant", "content": [{"type": "text", "text": "This is a Bengal."}]}],
}


def user(record: dict) -> dict:
    return record["messages"][0]


def set_url(url: str) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        user(record)["content"][0]["image_url"]["url"] = url

    return change


FIREWORKS_BROKEN: dict[str, tuple[Callable[[dict], Any], str]] = {
    "no messages": (lambda r: r.pop("messages"), "non-empty 'messages' list"),
    "unknown role": (lambda r: r["messages"][1].update(role="bot"), "role 'bot' is not one of"),
    "system not first": (lambda r: r["messages"].insert(1, {"role": "system", "content": "x"}),
                         "a system message may only come first"),
    "assistant first": (lambda r: r["messages"].insert(0, {"role": "assistant", "content": "x"}),
                        "must be from the user"),
    "ends with user": (lambda r: r["messages"].pop(), "last message must be from the assistant"),
    "content not text or parts": (lambda r: r["messages"][1].update(content=42), "content must be text"),
    "unknown part": (lambda r: user(r)["content"].append({"type": "audio"}), "a part must be"),
    "image in assistant message": (lambda r: r["messages"][1].update(content=copy.deepcopy(user(r)["content"])),
                                   "images may only be in user messages"),
    "file url": (set_url("file:///data/images/Bengal/1_1.jpg"), "must be a base64 data URI"),
    "http url": (set_url("https://example.com/cat.jpg"), "must be a base64 data URI"),
    "malformed data uri": (set_url("data:image/jpeg," + base64.b64encode(JPEG).decode()), "malformed data URI"),
    "webp": (set_url(uri(WEBP, "image/webp")), "'image/webp' is not accepted"),
    "base64 with newlines": (set_url(uri(JPEG).replace("A", "A\n", 1)), "not strict single-line base64"),
    "base64 bad padding": (set_url(uri(JPEG).rstrip("=") + "A"), "not strict single-line base64"),
    "image does not decode": (set_url(uri(JPEG[: len(JPEG) // 2])), "does not decode"),
    "mime does not match bytes": (set_url(uri(PNG, "image/jpeg")), "says image/jpeg but the bytes are image/png"),
}  # fmt: skip


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def broken_file(tmp_path: Path, ok: dict, change: Callable[[dict], Any], name: str = "x.jsonl") -> Path:
    bad = copy.deepcopy(ok)
    change(bad)
    return write_jsonl(tmp_path / name, [ok, bad, ok])


def assert_caught(report: Any, where: str, fragment: str) -> None:
    assert not report.ok
    assert any(p.where == where and fragment in p.message for p in report.problems), report.render()


def test_valid_files_pass(tmp_path: Path, image_folder: Path) -> None:
    assert validate("fireworks", write_jsonl(tmp_path / "f.jsonl", [FIREWORKS_OK] * 3)).ok
    assert validate("trl", write_jsonl(image_folder / "t.jsonl", [TRL_OK] * 3)).ok
    (image_folder / "l.json").write_text(json.dumps([LLAVA_OK] * 3))
    assert validate("llava", image_folder / "l.json").ok


@pytest.mark.parametrize("case", sorted(FIREWORKS_BROKEN))
def test_fireworks_rule(case: str, tmp_path: Path) -> None:
    change, fragment = FIREWORKS_BROKEN[case]
    assert_caught(validate("fireworks", broken_file(tmp_path, FIREWORKS_OK, change)), "line 2", fragment)


@pytest.mark.parametrize(
    "line, fragment",
    [("{not json", "not valid JSON"), ("", "empty line")],
    ids=["invalid json", "empty line"],
)
def test_fireworks_lines_that_are_not_records(tmp_path: Path, line: str, fragment: str) -> None:
    path = tmp_path / "x.jsonl"
    ok = json.dumps(FIREWORKS_OK)
    path.write_text(f"{ok}\n{line}\n{ok}\n{ok}\n")
    assert_caught(validate("fireworks", path), "line 2", fragment)


def test_fireworks_needs_three_examples(tmp_path: Path) -> None:
    report = validate("fireworks", write_jsonl(tmp_path / "x.jsonl", [FIREWORKS_OK] * 2))
    assert_caught(report, "file", "at least 3 examples")


def test_fireworks_warns_past_the_upload_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fireworks, "UPLOAD_LIMIT_BYTES", 1000)
    report = validate("fireworks", write_jsonl(tmp_path / "x.jsonl", [FIREWORKS_OK] * 3))
    assert report.ok and report.warnings == 1
    assert "upload limit" in report.problems[0].message and not report.problems[0].error


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """A folder with images/Bengal/1_1.jpg (good) and images/Bengal/2_1.jpg (truncated)."""
    (tmp_path / "images" / "Bengal").mkdir(parents=True)
    (tmp_path / "images" / "Bengal" / "1_1.jpg").write_bytes(JPEG)
    (tmp_path / "images" / "Bengal" / "2_1.jpg").write_bytes(JPEG[: len(JPEG) // 2])
    return tmp_path


def turns(record: dict) -> list[dict]:
    return record["conversations"]


LLAVA_BROKEN: dict[str, tuple[Callable[[dict], Any], str]] = {
    "missing key": (lambda r: r.pop("image"), "missing key 'image'"),
    "no turns": (lambda r: r.update(conversations=[]), "non-empty list of turns"),
    "role user": (lambda r: turns(r)[0].update({"from": "user"}), "from 'user', expected 'human'"),
    "not alternating": (lambda r: turns(r)[1].update({"from": "human"}), "expected 'gpt'"),
    "ends with human": (lambda r: turns(r).append({"from": "human", "value": "and?"}), "last turn must be from 'gpt'"),
    "no image token": (lambda r: turns(r)[0].update(value="What breed?"), "'<image>' 0 times"),
    "image token not first": (lambda r: turns(r)[0].update(value="What breed? <image>"), "must start with '<image>'"),
    "two image tokens": (lambda r: turns(r)[0].update(value="<image>\n<image>\nWhat?"), "'<image>' 2 times"),
    "image token later": (lambda r: turns(r)[1].update(value="<image> a Bengal"), "only the first human turn may"),
    "path escapes the folder": (lambda r: r.update(image="../outside.jpg"), "relative path inside the image folder"),
    "absolute path": (lambda r: r.update(image="/etc/passwd"), "relative path inside the image folder"),
    "missing image": (lambda r: r.update(image="images/Bengal/9_1.jpg"), "does not exist"),
    "image does not decode": (lambda r: r.update(image="images/Bengal/2_1.jpg"), "does not decode"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(LLAVA_BROKEN))
def test_llava_rule(case: str, image_folder: Path) -> None:
    change, fragment = LLAVA_BROKEN[case]
    bad = copy.deepcopy(LLAVA_OK)
    change(bad)
    (image_folder / "l.json").write_text(json.dumps([LLAVA_OK, bad]))
    assert_caught(validate("llava", image_folder / "l.json"), "record 1", fragment)


@pytest.mark.parametrize(
    "text, fragment",
    [(json.dumps(LLAVA_OK) + "\n" + json.dumps(LLAVA_OK) + "\n", "not one JSON array"),
     (json.dumps({"data": [LLAVA_OK]}), "not an array"),
     (json.dumps([LLAVA_OK, "text"]), "must be an object")],
    ids=["jsonl given as array", "object at the top", "record not an object"],
)  # fmt: skip
def test_llava_file_shape(image_folder: Path, text: str, fragment: str) -> None:
    (image_folder / "l.json").write_text(text)
    report = validate("llava", image_folder / "l.json")
    assert not report.ok and fragment in report.render()


TRL_BROKEN: dict[str, tuple[Callable[[dict], Any], str]] = {
    "missing column": (lambda r: r.pop("completion"), "keys images, prompt, completion"),
    "images not paths": (lambda r: r.update(images=[{"bytes": None}]), "'images' must be a list of image paths"),
    "empty prompt": (lambda r: r.update(prompt=[]), "'prompt' must be a non-empty list"),
    "user in completion": (lambda r: r["completion"][0].update(role="user"), "role 'user' is not one of assistant"),
    "text without text": (lambda r: r["prompt"][0]["content"][1].pop("text"), "list of image and text parts"),
    "plain string content": (lambda r: r["completion"][0].update(content="A Bengal."), "list of image and text parts"),
    "more images than placeholders": (lambda r: r["images"].append("images/Bengal/1_1.jpg"),
                                      "1 image placeholders for 2 images"),
    "missing image": (lambda r: r.update(images=["images/Bengal/9_1.jpg"]), "does not exist"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TRL_BROKEN))
def test_trl_rule(case: str, image_folder: Path) -> None:
    change, fragment = TRL_BROKEN[case]
    path = broken_file(image_folder, TRL_OK, change, "t.jsonl")
    assert_caught(validate("trl", path), "line 2", fragment)


def test_only_the_first_problems_are_kept_but_all_are_counted(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"messages": []}] * 30)
    report = validate("fireworks", path, keep=5)
    assert report.errors == 30 and len(report.problems) == 5
    assert "... and 25 more" in report.render()
