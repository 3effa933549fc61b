"""Domains: a subject's words as data. Shipped and user-written domain files are read and
checked (a broken rule is one line naming the file, line and field, exit 2); a dog tree and a
flower tree built with their own domain say nothing of cats anywhere a user reads it; the
build carries its domain, and export, predict and score read it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import datasets
import pytest
from chat_server import Action, ChatServer
from click.testing import CliRunner, Result
from domain_fixtures import FLOWERS_CSV, FLOWERS_TOML, cat_words, write_flower_domain

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.demo import make_tree
from cat_breeds_vlm.evaluate.score import catalog_for, domain_for, score
from cat_breeds_vlm.labels.catalog import builtin_catalog, domain_catalog, load_catalog
from cat_breeds_vlm.labels.domain import (
    DomainFileError,
    default_domain,
    load_domain,
    read_domain,
    shipped_names,
)
from cat_breeds_vlm.labels.labelfile import LabelFileError
from cat_breeds_vlm.labels.parse import parse_breed, tokens

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# The dog tree: three breeds of the dog catalogue and one added by a label file.
DOG_COUNTS = {"Beagle": 10, "German Shepherd Dog": 10, "Pug": 10, "Yorkshire Terrier": 10}
GERMAN_SHEPHERD = "name,display,kind,description,aliases\nGerman Shepherd Dog,,breed,,alsatian\n"
FLOWER_COUNTS = {"Daisy": 10, "Rose": 10, "Sunflower": 10, "Tulip Mystery": 6}


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _texts(value: object) -> list[str]:
    """The words of a JSON value: every string in it but embedded images (data URLs, base64)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [value] if isinstance(value, str) and not value.startswith("data:") and len(value) < 5000 else []


def _file_texts(path: Path) -> str:
    text = path.read_text()
    values = [json.loads(text)] if path.suffix == ".json" else [json.loads(line) for line in text.splitlines()]
    return "\n".join(_texts(values))


# --- reading and checking domain files -----------------------------------------------------


def test_the_shipped_domains_and_the_default() -> None:
    assert shipped_names() == ("cats", "dogs")
    cats = default_domain()
    assert load_domain(None) is cats and load_domain("cats") is cats
    assert cats.noun == "cat" and cats.kind_names == ("breed", "coat pattern", "domestic type", "coat colour")
    assert cats.filler == {"a", "an", "the", "cat", "cats", "breed", "breeds", "kitten", "kittens", "kitty"}
    assert domain_catalog(cats) is builtin_catalog()
    assert tokens("A kitty cat breed: Siamese") == ("siamese",)  # the parser's default filler is the cats'
    dogs = load_domain("dogs")
    assert len(domain_catalog(dogs)) == 25 and {"dog", "puppy", "puppies", "breed"} <= dogs.filler
    assert dogs.priority == () and not cat_words(dogs.text)


def test_a_domain_file_a_user_writes_is_read_with_its_defaults(tmp_path: Path) -> None:
    flowers = load_domain(write_flower_domain(tmp_path))
    assert (
        flowers.name == "flowers" and flowers.plural == "flowers" and flowers.title_or_default == "Flower species VLM"
    )
    assert flowers.filler == {"a", "an", "the", "flower", "flowers", "species"}
    assert sorted(domain_catalog(flowers)) == ["Daisy", "Dandelion", "Iris", "Lily", "Orchid", "Rose", "Sunflower"]
    assert domain_catalog(flowers)["Rose"].display == "rose"  # display = "lower"
    with pytest.raises(LabelFileError, match=r"line 2, kind: 'coat pattern' is not a kind of the flowers domain"):
        load_catalog(_write(tmp_path, "name,display,kind,description,aliases\nTabby,,coat pattern,,\n"), domain=flowers)


def test_the_docs_example_is_the_flower_domain_tested_here() -> None:
    readme = (Path(__file__).parents[1] / "docs" / "domains.md").read_text()
    example = readme.split("A complete domain file for flower photos:\n\n```toml\n", 1)[1].split("```", 1)[0]
    assert tomllib.loads(example) == tomllib.loads(FLOWERS_TOML)
    dogs = load_domain("dogs")
    labels = list(domain_catalog(dogs))
    for answer in ("It's a Saint Bernard dog", "a St Bernard puppy"):
        assert parse_breed(answer, labels, domain_catalog(dogs), dogs.filler) == "Saint Bernard"


def _write(folder: Path, text: str, name: str = "labels.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _broken(old: str, new: str) -> str:
    assert old in FLOWERS_TOML, old
    return FLOWERS_TOML.replace(old, new, 1)


# case: (the file's text, the line named, the field named, words of the problem)
BAD_DOMAINS: dict[str, tuple[str, int, str, str]] = {
    "no subject": (_broken('[subject]\nnoun = "flower"\n', ""), 1, "subject", "missing"),
    "no noun": (_broken('noun = "flower"\n', ""), 3, "subject.noun", "missing"),
    "answer without the label": (
        _broken('"It looks like {a_display} to me."', '"It looks lovely to me."'), 20, "kinds.species.answers[1]",
        "has no label placeholder",
    ),
    "unknown field": (_broken("{Subject} is {details}", "{Subject} is {colour}"), 15, "answers.follow_up[0]",
                      "{colour} is not a field here"),
    "question naming the label": (_broken('"What flower is this?", "What kind', '"Is this {display}?", "What kind'),
                                  9, "questions.first[0]", "names the label"),
    "neutral question not asked of all": (_broken('neutral = ["What flower is this?"', 'neutral = ["Which bloom?"'),
                                          10, "questions.neutral[0]", "must also be one of questions.first"),
    "bad display rule": (_broken('display = "lower"', 'display = "upper"'), 19, "kinds.species.display",
                         "choose from name, lower"),
    "no kinds": (_broken('[kinds.species]\nnoun = "species"\n', "[kinds]\n").split("display =")[0], 17, "kinds",
                 "empty"),
    "missing catalogue": (_broken('catalogue = "flowers.csv"', 'catalogue = "roses.csv"'), 1, "catalogue",
                          "no such label file"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_DOMAINS))
def test_a_broken_domain_file_is_one_line_naming_file_line_and_field(tmp_path: Path, case: str) -> None:
    text, line, field, problem = BAD_DOMAINS[case]
    (tmp_path / "flowers.csv").write_text(FLOWERS_CSV, encoding="utf-8")
    path = _write(tmp_path, text, "flowers.toml")
    with pytest.raises(DomainFileError) as caught:
        read_domain(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}, {field}: "), message
    assert problem in message and "\n" not in message


@pytest.mark.parametrize("case", ["answer without the label", "no subject", "unknown kind in the catalogue"])
def test_the_cli_refuses_a_broken_domain_with_exit_2(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "domain"
    path = write_flower_domain(folder)
    if case == "unknown kind in the catalogue":
        (folder / "flowers.csv").write_text(FLOWERS_CSV.replace("Lily,,species", "Lily,,breed"), encoding="utf-8")
        where = f"{folder / 'flowers.csv'}, line 5, kind: 'breed' is not a kind of the flowers domain"
    else:
        path.write_text(BAD_DOMAINS[case][0], encoding="utf-8")
        where = f"{path}, line {BAD_DOMAINS[case][1]}, {BAD_DOMAINS[case][2]}: "
    for command in ("build", "demo"):
        args = [command, tmp_path / "images", "--dry-run"] if command == "build" else [command, "-o", tmp_path / "d"]
        result = run(*args, "--domain", path)
        assert result.exit_code == 2, result.output
        errors = [text for text in result.output.splitlines() if text.startswith("Error")]
        assert len(errors) == 1 and where in errors[0] and "Traceback" not in result.output, result.output
    assert not (tmp_path / "d").exists()
    result = run("build", tmp_path / "images", "--domain", "horses", "--dry-run")
    assert result.exit_code == 2 and "not a shipped domain (cats, dogs)" in result.output


# --- builds of other subjects ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dog_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    root = tmp_path_factory.mktemp("dogs")
    make_tree(root / "images", DOG_COUNTS, seed=3)
    labels = _write(root, GERMAN_SHEPHERD, "shepherd.csv")
    out = root / "ds"
    result = run("build", root / "images", "-o", out, "--domain", "dogs", "--labels", labels,
                 "--style", "detailed", "--num-proc", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result


@pytest.fixture(scope="module")
def flower_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    root = tmp_path_factory.mktemp("flowers")
    make_tree(root / "images", FLOWER_COUNTS, seed=4)
    out = root / "ds"
    domain = write_flower_domain(root / "domain")
    result = run("build", root / "images", "-o", out, "--domain", domain, "--style", "detailed", "--num-proc", "1")
    assert result.exit_code == 0, result.output
    return out, result


@pytest.mark.parametrize("which", ["dog_build", "flower_build"])
def test_no_cat_word_in_conversations_card_review_or_summary(which: str, request, tmp_path: Path) -> None:
    out, result = request.getfixturevalue(which)
    loaded = datasets.load_dataset(str(out))
    texts = [turn["value"] for split in loaded.values() for turns in split["conversations"] for turn in turns]
    assert texts and not cat_words("\n".join(texts))
    review = tmp_path / "review.html"
    assert run("review", out, "-o", review).exit_code == 0
    stats = run("stats", out)
    for name, text in [("card", (out / "README.md").read_text()), ("summary", result.output),
                       ("review page", review.read_text()), ("stats", stats.output)]:  # fmt: skip
        assert not cat_words(text), (name, cat_words(text))
    report = json.loads((out / "build.json").read_text())
    assert report["format"] == 2 and report["domain_file"] == "domain.toml" and (out / "domain.toml").is_file()


def test_a_flower_build_words_its_labels_from_the_user_domain_and_folder_names(flower_build) -> None:
    out, result = flower_build
    loaded = datasets.load_dataset(str(out))
    card = (out / "README.md").read_text()
    assert "pretty_name: Flower species VLM" in card and "# Flower species VLM" in card
    assert "Labelled flower photos as a vision-language fine-tuning set" in card
    answers = {turns[1]["value"] for turns in loaded["train"]["conversations"]}
    assert answers & {"This is a daisy.", "It looks like a daisy to me.", "I would say this is a daisy."}
    assert answers & {"This flower is labelled Tulip Mystery.", "The label for this flower is Tulip Mystery."}
    assert "In no label catalogue" in result.output and "Tulip Mystery" in result.output
    assert json.loads((out / "build.json").read_text())["settings"]["domain"] == "flowers"


def test_a_domain_with_no_catalogue_works_from_folder_names(tmp_path: Path) -> None:
    folder = tmp_path / "domain"
    path = write_flower_domain(folder)
    path.write_text(FLOWERS_TOML.replace('catalogue = "flowers.csv"\n', ""), encoding="utf-8")
    make_tree(tmp_path / "images", {"Daisy": 6, "Rose": 6}, seed=5)
    result = run("build", tmp_path / "images", "-o", tmp_path / "ds", "--domain", path, "--num-proc", "1")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "ds" / "build.json").read_text())
    assert report["uncatalogued"] == ["Daisy", "Rose"] and report["settings"]["priority_breeds"] == []
    rows = datasets.load_dataset(str(tmp_path / "ds"), split="train")
    assert all(turns[0]["value"].endswith(("What flower is this?", "What kind of flower is this?"))
               for turns in rows["conversations"])  # fmt: skip


def test_a_dog_build_goes_through_every_export_predict_and_score(dog_build, tmp_path: Path) -> None:
    out, _ = dog_build
    split = datasets.load_dataset(str(out), split="test")
    shepherds = sum(split.features["breed"].names[b] == "German Shepherd Dog" for b in split["breed"])
    for kind, target in [("fireworks", "fw.jsonl"), ("llava", "llava.json"), ("trl", "trl.jsonl")]:
        result = run("export", kind, out, "-s", "test", "-o", tmp_path / target)
        assert result.exit_code == 0, result.output
        assert run("validate", kind, tmp_path / target).exit_code == 0
        words = _file_texts(tmp_path / target)
        assert "dog" in words and not cat_words(words), kind
    assert run("export", "prompts", out, "-s", "test", "-o", tmp_path / "prompts.jsonl").exit_code == 0
    assert not cat_words(_file_texts(tmp_path / "prompts.jsonl"))
    with ChatServer(lambda _: Action(text="It's a German Shepherd, I think.")) as server:
        result = run("predict", out, "-s", "test", "--base-url", server.base_url, "--model", "test-model",
                     "-o", tmp_path / "answers.jsonl", "--timeout", "5", "--max-retries", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    asked = "\n".join(_texts([r.body.get("messages") for r in server.requests]))
    assert "dog" in asked and not cat_words(asked)
    result = run("score", out, tmp_path / "answers.jsonl", "-s", "test", "--json", tmp_path / "score.json")
    assert result.exit_code == 0, result.output
    scored = json.loads((tmp_path / "score.json").read_text())
    assert scored["rows"] == len(split) and scored["unparseable"] == [] and scored["correct"] == shepherds > 0


def test_score_reads_the_domains_aliases_and_filler_words(dog_build) -> None:
    out, _ = dog_build
    split = datasets.load_dataset(str(out), split="test")
    names = split.features["breed"].names
    said = {"Beagle": "It's a Beagle dog.", "German Shepherd Dog": "It's a German Shepherd, I'd say.",
            "Pug": "That is a pug doggy.", "Yorkshire Terrier": "Looks like a yorkie pup."}  # fmt: skip
    predictions = [{"id": row["id"], "answer": said[names[row["breed"]]]} for row in split]
    domain, catalog = domain_for(str(out)), catalog_for(str(out))
    assert domain.name == "dogs" and "German Shepherd Dog" in catalog
    report = score(split, predictions, catalog=catalog, domain=domain)
    assert report.accuracy == 1.0 and not report.unparseable
    as_cats = score(split, predictions, catalog=catalog)  # the cat words: "dog" is no filler word
    assert [u.answer for u in as_cats.unparseable] == [said["German Shepherd Dog"]] * len(as_cats.unparseable)
    assert as_cats.unparseable and as_cats.accuracy < 1.0


def test_demo_makes_and_builds_a_dog_tree(tmp_path: Path) -> None:
    result = run("demo", "-o", tmp_path / "dogdemo", "--photos", "100", "--domain", "dogs", "--num-proc", "1")
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "dogdemo" / "images").iterdir())
    assert folders == sorted(domain_catalog(load_domain("dogs")))
    out = tmp_path / "dogdemo" / "cat_breeds_vlm"
    assert not cat_words(result.output) and not cat_words((out / "README.md").read_text())
    assert "not photos of real dogs" in (out / "README.md").read_text()
    assert json.loads((out / "build.json").read_text())["uncatalogued"] == []


def test_demo_refuses_to_build_an_earlier_demo_tree_of_other_labels(tmp_path: Path) -> None:
    make_tree(tmp_path / "demo" / "images", {"Abyssinian": 3, "Bengal": 3}, seed=1)
    result = run("demo", "-o", tmp_path / "demo", "--domain", "dogs", "--photos", "50")
    assert result.exit_code == 1 and "holds an earlier demo's tree of other labels" in result.output
    assert not (tmp_path / "demo" / "cat_breeds_vlm").exists()
