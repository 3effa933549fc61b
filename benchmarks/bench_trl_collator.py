"""Which tokens TRL trains on, for our TRL export: TRL's own collator on a tiny model, offline.

    python benchmarks/bench_trl_collator.py                 # a detailed build of a small tree
    python benchmarks/bench_trl_collator.py --photos 30     # photos per breed

Needs torch, transformers and trl besides this package (not in its dependencies): a separate
environment, e.g. ``python3.11 -m venv /tmp/trlvenv && /tmp/trlvenv/bin/pip install
torch==2.13.0`` (the CPU wheel first, or pip pulls a CUDA build) ``&& /tmp/trlvenv/bin/pip
install trl transformers && /tmp/trlvenv/bin/pip install -e .``. Nothing is downloaded:

- a small synthetic tree (``demo.make_tree``) built with ``--style detailed`` (question, breed
  answer, follow-up question, description), exported with ``export_trl`` and loaded back from
  the JSONL as a trainer would (``load_dataset("json")``, images cast to ``Image``);
- the tiny processor and random LLaVA of ``tiny_vlm.py`` (16 image tokens), the tokenizer
  trained on the build's own text; the model takes one collated batch and returns a finite
  loss: the batches are what a training step gets.

TRL's ``DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)`` (what
``SFTTrainer`` uses for vision prompt/completion data) collates every record. Measured: for
each assistant turn of each train row, whether the tokens of its text carry labels in the
record where it is the completion (with exactly the conversation before it as prompt); the
labelled tokens of each record, which must be exactly its completion's; and the prompt tokens
(image tokens included) that carry a label, which must be none. The same for the shape the
export had before (everything but the last answer in the prompt), for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")

import datasets  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402
from PIL import Image  # noqa: E402
from tiny_vlm import make_processor, tiny_model  # noqa: E402
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling  # noqa: E402

from cat_breeds_vlm.demo import make_tree  # noqa: E402
from cat_breeds_vlm.export import export_trl, validate  # noqa: E402
from cat_breeds_vlm.features import IMAGE_TOKEN  # noqa: E402
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig  # noqa: E402
from cat_breeds_vlm.pipeline.folder import build_folder  # noqa: E402

#: Small photos per breed: catalogued breeds, so the detailed style adds a description to each.
BREEDS = ("Abyssinian", "Bengal", "Burmilla", "Maine Coon", "Siamese", "Sphynx - Hairless Cat")


def build_detailed(work: Path, photos: int) -> Path:
    """A detailed build of a small synthetic tree; returns the built folder."""
    make_tree(work / "images", dict.fromkeys(BREEDS, photos), seed=1)
    out = work / "cats"
    build_folder(work / "images", out, CatBreedsVLMConfig(style="detailed"), progress=False, command="bench")
    return out


def chat_of(turns: list[dict]) -> list[tuple[str, str]]:
    """A row's conversation as (role, text), the image token taken out of the question."""
    chat = [("user" if t["from"] == "human" else "assistant", t["value"]) for t in turns]
    chat[0] = ("user", chat[0][1].replace(IMAGE_TOKEN, "", 1).strip())
    return chat


def text_of(messages: list[dict]) -> list[tuple[str, str]]:
    return [(m["role"], "".join(p["text"] or "" for p in m["content"] if p["type"] == "text")) for m in messages]


def measure(records: list[dict], rows: datasets.Dataset, images: Path, processor, model, batch_size: int) -> dict:
    """Collate every record with TRL's collator; count trained turns and stray labels."""
    collator = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    tokenizer = processor.tokenizer
    image_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    trained: set[tuple[str, tuple]] = set()  # (image path, conversation up to a trained answer)
    figures = dict(records=len(records), label_tokens=0, completion_tokens=0, prompt_tokens=0,
                   prompt_tokens_labelled=0, image_tokens=0, image_tokens_labelled=0, mismatched_records=0)  # fmt: skip
    loss = None
    for start in range(0, len(records), batch_size):
        chunk = records[start : start + batch_size]
        batch = [
            {**r, "images": [Image.open(images / path).convert("RGB") for path in r["images"]]} for r in chunk
        ]  # decoded, as a trainer's Image column gives them
        out = collator(batch)
        if loss is None:
            with torch.no_grad():
                loss = float(model(**out).loss)
        for k, record in enumerate(chunk):
            ids, labelled, real = out["input_ids"][k], out["labels"][k] != -100, out["attention_mask"][k].bool()
            completion_text = "".join(text + "<|im_end|>\n" for _, text in text_of(record["completion"]))
            completion_ids = tokenizer(completion_text, add_special_tokens=False)["input_ids"]
            positions = real.nonzero().flatten()
            prompt_positions, completion_positions = (
                positions[: -len(completion_ids)],
                positions[-len(completion_ids) :],
            )
            if ids[labelled].tolist() == completion_ids and bool(labelled[completion_positions].all()):
                trained.add((record["images"][0], tuple(text_of(record["prompt"] + record["completion"]))))
            else:
                figures["mismatched_records"] += 1
            figures["label_tokens"] += int(labelled.sum())
            figures["completion_tokens"] += len(completion_ids)
            figures["prompt_tokens"] += len(prompt_positions)
            figures["prompt_tokens_labelled"] += int(labelled[prompt_positions].sum())
            is_image = ids == image_id
            figures["image_tokens"] += int(is_image.sum())
            figures["image_tokens_labelled"] += int((is_image & labelled).sum())
    turns = answered = 0
    for source, turns_of_row in zip(rows["source"], rows["conversations"]):
        chat = chat_of(turns_of_row)
        for end, (role, _) in enumerate(chat, start=1):
            if role == "assistant":
                turns += 1
                answered += (source, tuple(chat[:end])) in trained
    figures.update(rows=len(rows), assistant_turns=turns, turns_trained=answered, loss=round(loss, 3))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=12, help="photos per breed of the small tree")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-trl-") as tmp:
        work = Path(tmp)
        built = build_detailed(work, args.photos)
        train = datasets.load_dataset(str(built), split="train")
        # images: the rows' own source paths in the photo folder (no copies needed to measure)
        export_trl(train, work / "trl" / "train.jsonl", link_source=work / "images", progress=False)
        report = validate("trl", work / "trl" / "train.jsonl", image_folder=work / "images")
        assert report.ok, report.render()
        records = [json.loads(line) for line in (work / "trl" / "train.jsonl").read_text().splitlines()]
        # The shape of the export before: one record a row, everything but the last answer in the prompt.
        last_only = [r for r, nxt in zip(records, [*records[1:], None]) if not _same_row(r, nxt)]
        (work / "trl" / "last_only.jsonl").write_text("".join(json.dumps(r) + "\n" for r in last_only))
        earlier = validate("trl", work / "trl" / "last_only.jsonl", image_folder=work / "images")
        texts = [turn["value"] for turns in train["conversations"] for turn in turns]
        processor = make_processor(texts, work / "processor")
        model = tiny_model(processor)
        print(f"torch {torch.__version__}, transformers {transformers.__version__}, trl {trl.__version__}")
        print(f"validate trl, this export: {report.render().splitlines()[0]}")
        print(f"validate trl, the earlier shape: {earlier.render().splitlines()[0]}")
        for name, shape in (("this export", records), ("earlier shape", last_only)):
            figures = measure(shape, train, work / "images", processor, model, args.batch_size)
            print(f"{name}: {json.dumps(figures)}")


def _same_row(record: dict, nxt: dict | None) -> bool:
    """Is the next record the same row's next answer (same image, this conversation extended)?"""
    if nxt is None:
        return False
    return record["images"] == nxt["images"] and nxt["prompt"][: len(record["prompt"]) + 1] == (
        record["prompt"] + record["completion"]
    )


if __name__ == "__main__":
    sys.exit(main())
