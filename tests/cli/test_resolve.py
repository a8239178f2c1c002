"""``veracity resolve``: a CSV of crowd answers in, one label per item out, no database."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories.processes import VERACITY
from tests.factories.synthetic_crowds import synthetic_crowd
from veracity.cli.main import app
from veracity.cli.resolve import MethodName
from veracity.domain.truth import Method

NAMES = ["cat", "dog", "=HYPERLINK(1)"]


def _write_crowd(path: Path, *, seed: int = 1, adversaries: float = 0.3) -> list[int]:
    """Answers of a synthetic crowd as ANSWERS.csv; returns the true class of each item."""
    crowd = synthetic_crowd(seed=seed, n_items=300, adversaries=adversaries)
    a = crowd.answers
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["worker", "item", "label", "seconds"])  # any order, extra ignored
        for i, w, lab in zip(a.items.tolist(), a.workers.tolist(), a.labels.tolist(), strict=True):
            writer.writerow([f"w{w}", f"item-{i}", NAMES[lab], "3"])
    return crowd.truth.tolist()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["resolve", *args])
    return result.exit_code, result.stderr


def test_resolve_end_to_end_as_the_installed_command(tmp_path: Path) -> None:
    answers, labels = tmp_path / "answers.csv", tmp_path / "labels.csv"
    truth = _write_crowd(answers)
    done = subprocess.run(
        [VERACITY, "resolve", str(answers), "--output", str(labels)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "method: dawid_skene (auto, by held-out annotation log-likelihood:" in done.stderr
    assert "resolved 300 items from 1,500 annotations by 30 workers into 3 classes" in done.stderr

    rows = _read(labels)
    assert [r["item"] for r in rows] == [f"item-{i}" for i in range(300)]
    right = sum(r["label"].lstrip("'") == NAMES[t] for r, t in zip(rows, truth, strict=True))
    assert right / 300 > 0.9
    assert all(0 < float(r["confidence"]) <= 1 for r in rows)
    # A label that a spreadsheet would run as a formula is written inert.
    written = {r["label"] for r in rows}
    assert "'=HYPERLINK(1)" in written
    assert "=HYPERLINK(1)" not in written


def test_gold_is_known_truth_and_a_fixed_method_is_used_as_asked(tmp_path: Path) -> None:
    answers, gold, labels = tmp_path / "a.csv", tmp_path / "g.csv", tmp_path / "l.csv"
    truth = _write_crowd(answers, adversaries=0.0)
    # Gold that contradicts the crowd on item 0 still wins there.
    wrong = (truth[0] + 1) % 3
    gold.write_text(
        "item,label\n"
        + f"item-0,{NAMES[wrong]}\n"
        + "".join(f"item-{i},{NAMES[truth[i]]}\n" for i in range(1, 40)),
        encoding="utf-8",
    )
    code, stderr = _run(str(answers), "-o", str(labels), "--gold", str(gold), "--method", "mace")
    assert code == 0, stderr
    assert "method: mace\n" in stderr
    assert "gold: 40 items used as known truth" in stderr
    rows = {r["item"]: r for r in _read(labels)}
    assert rows["item-0"]["label"].lstrip("'") == NAMES[wrong]
    assert float(rows["item-0"]["confidence"]) == 1.0


def test_every_method_can_be_named() -> None:
    assert {m.value for m in MethodName} == {"auto"} | {m.value for m in Method}


@pytest.mark.parametrize(
    ("answers", "gold", "message"),
    [
        ("", None, "a.csv is empty; expected a header: item,worker,label"),
        ("item,worker\n1,2\n", None, "a.csv line 1: no column 'label' in the header"),
        ("item,worker,label\n1,2,x\n3,4\n", None, "a.csv line 3: expected 3 fields, found 2"),
        ("item,worker,label\n1,2,x\n1, ,y\n", None, "a.csv line 3, column 'worker': empty value"),
        ("item,worker,label\n", None, "a.csv has no answers"),
        (
            "item,worker,label\n1,2,x\n",
            "item,label\nq,x\nq,y\n",
            "g.csv line 3, column 'item': 'q' already has gold label 'x' (line 2)",
        ),
        (
            'item,worker,label\n1,2,"x\n',
            None,
            "a.csv line 2: unexpected end of data",
        ),
    ],
)
def test_bad_files_are_named_by_line_and_column(
    tmp_path: Path, answers: str, gold: str | None, message: str
) -> None:
    (tmp_path / "a.csv").write_text(answers, encoding="utf-8")
    args = [str(tmp_path / "a.csv"), "-o", str(tmp_path / "l.csv")]
    if gold is not None:
        (tmp_path / "g.csv").write_text(gold, encoding="utf-8")
        args += ["--gold", str(tmp_path / "g.csv")]
    code, stderr = _run(*args)
    assert code == 1
    assert f"error: {message}" in " ".join(stderr.split())
    assert not (tmp_path / "l.csv").exists()


def test_unreadable_input_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"item,worker,label\n1,2,\xff\n")
    code, stderr = _run(str(tmp_path / "a.csv"), "-o", str(tmp_path / "l.csv"))
    assert code == 1
    assert "error: a.csv is not UTF-8 text" in stderr
    code, stderr = _run(str(tmp_path / "missing.csv"), "-o", str(tmp_path / "l.csv"))
    assert code == 1
    assert "error: cannot read" in stderr


def test_quoted_and_plain_files_resolve_alike(tmp_path: Path) -> None:
    # A plain file takes the fast split-as-text path; quotes (or a blank line) send a file
    # through the csv module. Both must read the same answers.
    crowd = synthetic_crowd(seed=4, n_items=200, spammers=0.2)
    a = crowd.answers
    rows = [
        (f" item-{i}", f"w{w}", ["cat", "dog", "bird"][lab])
        for i, w, lab in zip(a.items.tolist(), a.workers.tolist(), a.labels.tolist(), strict=True)
    ]
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    with plain.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("Item", "worker", "label"), *rows])  # \r\n line ends
    with quoted.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(
            [("item", "worker", "label"), *rows[:100], (), *rows[100:]]
        )
    outputs = []
    for source in (plain, quoted):
        out = tmp_path / f"{source.stem}-labels.csv"
        code, stderr = _run(str(source), "-o", str(out), "--method", "one_coin")
        assert code == 0, stderr
        assert "resolved 200 items from 1,000 annotations by 30 workers" in stderr
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert outputs[0].splitlines()[1].startswith("item-0,")  # cells are stripped
