"""Truth inference: Veracity's methods and ``auto`` against crowd-kit's, on the same data.

Data sets: synthetic crowds with known truth (workers of mixed skill, spammers, adversaries,
class imbalance, sparse crowds, many classes, gold), each setting drawn from two fixed seeds,
and any real crowdsourced data set found in ``--real DIR`` (one folder per data set holding
``answers.csv`` with item,worker,label and ``truth.csv`` with item,label), run as it is and
with its first :data:`REAL_GOLD` items given as gold. For each: accuracy (on items without
gold), expected calibration error (10 bins) and time of every method; then the time to
resolve 1,000,000 annotations of 100,000 items, in process and through ``veracity resolve``.

crowd-kit runs in its own virtualenv (it is no dependency of Veracity) as a subprocess of
this same file, ``--crowdkit-runner IN.npz OUT.json``, on the same arrays::

    python -m venv /tmp/crowdkit-venv
    /tmp/crowdkit-venv/bin/pip install crowd-kit==1.4.2 "scikit-learn<1.6"
    .venv/bin/python bench/truth_inference.py --crowdkit-python /tmp/crowdkit-venv/bin/python

(scikit-learn 1.6 and later break crowd-kit 1.4.2's Wawa and ZeroBasedSkill.) Results go to
``bench/results/truth_inference.json`` and, as Markdown tables, to standard output.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "truth_inference.json"
RUNNER_VERSION = b"2"  # change to invalidate cached crowd-kit results
CROWDKIT_CACHE = ROOT / "bench" / "results" / "profiles" / "crowdkit-cache"  # not committed
CROWDKIT_METHODS = [
    "MajorityVote",
    "Wawa",
    "ZeroBasedSkill",
    "OneCoinDawidSkene",
    "DawidSkene",
    "GLAD",
    "MACE",
    "KOS",
]


# -- synthetic crowds --------------------------------------------------------------------------


def synthetic(
    seed: int,
    *,
    n_items: int,
    n_workers: int,
    n_classes: int,
    per_item: int,
    spammers: float = 0.0,
    adversaries: float = 0.0,
    accuracy: tuple[float, float] = (0.55, 0.95),
    prior: list[float] | None = None,
    gold: int = 0,
) -> dict[str, Any]:
    """A crowd with known truth.

    Good workers have an accuracy drawn from ``accuracy`` and class-specific confusions;
    spammers answer from a favourite distribution whatever the truth; adversaries give the
    next class round nearly always. How much each worker works is long-tailed (log-normal),
    as on real platforms. ``gold`` items (the first ones) come with their truth.
    """
    rng = np.random.default_rng(seed)
    k = n_classes
    p = np.full(k, 1.0 / k) if prior is None else np.asarray(prior) / np.sum(prior)
    truth = rng.choice(k, size=n_items, p=p)
    n_spam, n_adv = round(spammers * n_workers), round(adversaries * n_workers)
    kinds = ["spammer"] * n_spam + ["adversary"] * n_adv + ["good"] * (n_workers - n_spam - n_adv)
    confusion = np.zeros((n_workers, k, k))
    for w, kind in enumerate(kinds):
        if kind == "good":
            a = rng.uniform(*accuracy)
            m = np.full((k, k), (1 - a) / (k - 1))
            np.fill_diagonal(m, a)
            m += 0.15 * rng.dirichlet(np.ones(k), size=k)
        elif kind == "spammer":
            m = np.tile(rng.dirichlet(np.full(k, 0.7)), (k, 1))
        else:
            m = np.full((k, k), 0.1 / max(k - 2, 1))
            m[np.arange(k), np.arange(k)] = 0.0
            m[np.arange(k), (np.arange(k) + 1) % k] = 0.9
        confusion[w] = m / m.sum(axis=1, keepdims=True)
    activity = rng.lognormal(0.0, 1.0, n_workers)
    activity /= activity.sum()
    items = np.repeat(np.arange(n_items), per_item)
    workers = np.concatenate(
        [rng.choice(n_workers, size=per_item, replace=False, p=activity) for _ in range(n_items)]
    )
    cumulative = confusion[workers, truth[items]].cumsum(axis=1)
    labels = np.minimum((rng.random(len(items))[:, None] > cumulative).sum(axis=1), k - 1)
    return {
        "items": items,
        "workers": workers,
        "labels": labels,
        "truth": truth,
        "k": k,
        "gold_items": np.arange(gold),
        "gold_labels": truth[:gold],
    }


# Each setting is drawn twice, from two fixed seeds, so that no one lucky (or unlucky) draw
# decides how methods compare on it; the second draw's name ends in "#2".
SETTINGS: dict[str, tuple[int, dict[str, Any]]] = {
    "mixed skill": (1, {"n_items": 3000, "n_workers": 100, "n_classes": 4, "per_item": 5}),
    "30% spammers": (
        2,
        {"n_items": 3000, "n_workers": 100, "n_classes": 4, "per_item": 5, "spammers": 0.3},
    ),
    "20% adversaries, 10% spammers": (
        3,
        {
            "n_items": 3000,
            "n_workers": 100,
            "n_classes": 4,
            "per_item": 5,
            "adversaries": 0.2,
            "spammers": 0.1,
        },
    ),
    "class imbalance": (
        4,
        {
            "n_items": 3000,
            "n_workers": 100,
            "n_classes": 5,
            "per_item": 5,
            "prior": [0.6, 0.2, 0.1, 0.06, 0.04],
            "spammers": 0.1,
        },
    ),
    "sparse crowd": (
        5,
        {"n_items": 5000, "n_workers": 1000, "n_classes": 3, "per_item": 3, "spammers": 0.2},
    ),
    "binary, hard": (
        6,
        {
            "n_items": 4000,
            "n_workers": 60,
            "n_classes": 2,
            "per_item": 3,
            "spammers": 0.2,
            "accuracy": (0.5, 0.8),
        },
    ),
    "20 classes": (
        7,
        {"n_items": 4000, "n_workers": 200, "n_classes": 20, "per_item": 5, "spammers": 0.2},
    ),
    "30% spammers + 200 gold": (
        2,
        {
            "n_items": 3000,
            "n_workers": 100,
            "n_classes": 4,
            "per_item": 5,
            "spammers": 0.3,
            "gold": 200,
        },
    ),
}
SECOND_SEED_OFFSET = 100


def _draw(seed: int, kwargs: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: synthetic(seed, **kwargs)


SYNTHETIC: dict[str, Callable[[], dict[str, Any]]] = {}
for _name, (_seed, _kwargs) in SETTINGS.items():
    SYNTHETIC[_name] = _draw(_seed, _kwargs)
    SYNTHETIC[f"{_name} #2"] = _draw(_seed + SECOND_SEED_OFFSET, _kwargs)
# Real data sets are also run with this many of their items given as gold (the first ones
# in the file), to show calibration from gold on real crowds.
REAL_GOLD = 50


def real_datasets(folder: Path) -> dict[str, Callable[[], dict[str, Any]]]:
    """Every ``folder/NAME/answers.csv`` with its ``truth.csv``."""
    found: dict[str, Callable[[], dict[str, Any]]] = {}
    for answers in sorted(folder.glob("*/answers.csv")):
        truth = answers.parent / "truth.csv"
        if truth.exists():
            name = answers.parent.name
            found[f"real: {name}"] = lambda a=answers, t=truth: load_real(a, t)
            found[f"real: {name} + {REAL_GOLD} gold"] = lambda a=answers, t=truth: load_real(
                a, t, gold=REAL_GOLD
            )
    return found


def load_real(answers: Path, truth: Path, *, gold: int = 0) -> dict[str, Any]:
    """A real data set, restricted to items with a known truth (accuracy needs one).

    ``gold``: how many items (the first to appear in ``answers``) come with their truth.
    """
    with truth.open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    truth_of = {r[0]: r[1] for r in rows}
    item_ix: dict[str, int] = {}
    worker_ix: dict[str, int] = {}
    class_ix: dict[str, int] = {}
    items, workers, labels = [], [], []
    with answers.open(newline="") as f:
        for item, worker, label in list(csv.reader(f))[1:]:
            if item not in truth_of:
                continue
            items.append(item_ix.setdefault(item, len(item_ix)))
            workers.append(worker_ix.setdefault(worker, len(worker_ix)))
            labels.append(class_ix.setdefault(label, len(class_ix)))
    for item in item_ix:
        class_ix.setdefault(truth_of[item], len(class_ix))
    gt = np.zeros(len(item_ix), dtype=np.int64)
    for item, ix in item_ix.items():
        gt[ix] = class_ix[truth_of[item]]
    return {
        "items": np.array(items),
        "workers": np.array(workers),
        "labels": np.array(labels),
        "truth": gt,
        "k": len(class_ix),
        "gold_items": np.arange(min(gold, len(gt)), dtype=np.int64),
        "gold_labels": gt[:gold],
    }


# -- measuring -----------------------------------------------------------------------------------


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width bins."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total / len(confidence))


def score(pred: np.ndarray, conf: np.ndarray, data: dict[str, Any]) -> dict[str, float]:
    """Accuracy and ECE on the items whose truth the methods were not told."""
    mask = np.ones(len(data["truth"]), dtype=bool)
    mask[data["gold_items"]] = False
    correct = (pred[mask] == data["truth"][mask]).astype(float)
    return {"accuracy": float(correct.mean()), "ece": ece(conf[mask], correct)}


def run_veracity(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Veracity method and auto on ``data``."""
    from veracity.domain.truth import Answers, Method, infer

    gold = dict(zip(data["gold_items"].tolist(), data["gold_labels"].tolist(), strict=True))
    out: dict[str, dict[str, Any]] = {}
    for method in ["auto", *Method]:
        answers = Answers.from_arrays(
            data["items"],
            data["workers"],
            data["labels"],
            n_classes=data["k"],
            n_items=len(data["truth"]),
            gold=gold,
        )
        started = time.perf_counter()
        result = infer(answers, method)
        seconds = time.perf_counter() - started
        name = "auto" if method == "auto" else method.value
        out[name] = {
            **score(result.labels, result.confidence, data),
            "seconds": seconds,
            "temperature": result.model.temperature,
        }
        if method == "auto":
            out[name]["chose"] = result.method.value
            out[name]["criterion"] = result.criterion
    return out


def run_crowdkit(python: str, data: dict[str, Any], workdir: Path) -> dict[str, dict[str, Any]]:
    """crowd-kit's methods on the same arrays, in their own interpreter."""
    npz = workdir / "data.npz"
    arrays = {k: np.asarray(v) for k, v in data.items()}
    # crowd-kit's answers depend only on the data (and its methods): keep them between runs.
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode() + arrays[key].tobytes())
    digest.update(os.environ.get("CROWDKIT_METHODS", "").encode() + RUNNER_VERSION)
    out = CROWDKIT_CACHE / f"{digest.hexdigest()[:24]}.json"
    if not out.exists():
        CROWDKIT_CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(npz, **arrays)
        subprocess.run(
            [python, __file__, "--crowdkit-runner", str(npz), str(out)], check=True, timeout=3600
        )
    raw = json.loads(out.read_text())
    results: dict[str, dict[str, Any]] = {}
    for name, r in raw.items():
        if "error" in r:
            results[name] = r
            continue
        results[name] = {
            **score(np.array(r["pred"]), np.array(r["conf"]), data),
            "seconds": r["seconds"],
        }
    return results


def crowdkit_runner(npz: str, out: str) -> None:
    """Inside crowd-kit's virtualenv: run its methods, write predictions and times."""
    import warnings

    import pandas as pd
    from crowdkit import aggregation

    warnings.filterwarnings("ignore")
    d = np.load(npz)
    df = pd.DataFrame({"task": d["items"], "worker": d["workers"], "label": d["labels"]})
    n, k = len(d["truth"]), int(d["k"])
    gold = pd.Series(d["gold_labels"], index=d["gold_items"]) if len(d["gold_items"]) else None
    only = os.environ.get("CROWDKIT_METHODS")
    results: dict[str, Any] = {}
    for name in only.split(",") if only else CROWDKIT_METHODS:
        started = time.perf_counter()
        try:
            model = getattr(aggregation, name)()
            if name == "DawidSkene" and gold is not None:
                probas = model.fit_predict_proba(df, true_labels=gold)
            elif name == "KOS":
                probas = None
                labels = model.fit_predict(df)
            else:
                probas = model.fit_predict_proba(df)
            seconds = time.perf_counter() - started
            if probas is not None:
                table = probas.reindex(index=range(n), columns=range(k)).fillna(0.0)
                table = table.to_numpy(dtype=float, copy=True)
            else:
                picked = labels.reindex(range(n)).fillna(0).astype(int).to_numpy()
                table = np.eye(k)[picked]
            if gold is not None:  # every method is told the gold; few use it otherwise
                table[d["gold_items"]] = np.eye(k)[d["gold_labels"]]
            results[name] = {
                "pred": table.argmax(axis=1).tolist(),
                "conf": table.max(axis=1).tolist(),
                "seconds": seconds,
            }
        except Exception as exc:
            results[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    Path(out).write_text(json.dumps(results))


# -- a million annotations -----------------------------------------------------------------------


def million(crowdkit_python: str | None, workdir: Path, crowdkit_big: list[str]) -> dict[str, Any]:
    """1,000,000 annotations of 100,000 items, 20 classes, 1,000 workers."""
    from veracity.domain.truth import Answers, Method, infer

    data = synthetic(8, n_items=100_000, n_workers=1000, n_classes=20, per_item=10, spammers=0.2)
    out: dict[str, Any] = {"annotations": len(data["items"])}
    for method in ["auto", *Method]:
        answers = Answers.from_arrays(data["items"], data["workers"], data["labels"], n_classes=20)
        started = time.perf_counter()
        result = infer(answers, method)
        seconds = time.perf_counter() - started
        name = "auto" if method == "auto" else method.value
        out[name] = {**score(result.labels, result.confidence, data), "seconds": seconds}
        if method == "auto":
            out[name]["chose"] = result.method.value
        print(f"  1M {name}: {seconds:.2f} s", file=sys.stderr)
    # The whole command: read the CSV, resolve, write the labels.
    answers_csv, labels_csv = workdir / "answers.csv", workdir / "labels.csv"
    with answers_csv.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["item", "worker", "label"])
        writer.writerows(
            zip(
                (f"item{i}" for i in data["items"].tolist()),
                (f"worker{w}" for w in data["workers"].tolist()),
                (f"class{c}" for c in data["labels"].tolist()),
                strict=True,
            )
        )
    veracity = str(Path(sys.executable).parent / "veracity")
    started = time.perf_counter()
    subprocess.run(
        [veracity, "resolve", str(answers_csv), "--output", str(labels_csv)],
        check=True,
        capture_output=True,
    )
    out["cli_seconds"] = time.perf_counter() - started
    print(f"  1M veracity resolve: {out['cli_seconds']:.2f} s", file=sys.stderr)
    if crowdkit_python and crowdkit_big:
        os.environ["CROWDKIT_METHODS"] = ",".join(crowdkit_big)
        try:
            out["crowdkit"] = run_crowdkit(crowdkit_python, data, workdir)
        finally:
            del os.environ["CROWDKIT_METHODS"]
    return out


# -- report ---------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """Markdown: one row per data set, accuracy of every method, best of each side in bold."""
    ours = ["auto", "majority_vote", "weighted_vote", "one_coin", "dawid_skene", "glad", "mace"]
    lines = [
        "| data set | auto (chose) | best crowd-kit | auto - best | "
        + " | ".join(ours[1:])
        + " | "
        + " | ".join(CROWDKIT_METHODS)
        + " |",
        "|---" * (4 + len(ours) - 1 + len(CROWDKIT_METHODS)) + "|",
    ]
    for name, r in results["datasets"].items():
        ck = {m: v for m, v in r.get("crowdkit", {}).items() if "accuracy" in v}
        best_ck = max(ck.items(), key=lambda kv: kv[1]["accuracy"]) if ck else None
        auto = r["veracity"]["auto"]
        cells = [
            name,
            f"**{auto['accuracy']:.4f}** ({auto['chose']})",
            f"{best_ck[1]['accuracy']:.4f} ({best_ck[0]})" if best_ck else "-",
            f"{auto['accuracy'] - best_ck[1]['accuracy']:+.4f}" if best_ck else "-",
        ]
        cells += [f"{r['veracity'][m]['accuracy']:.4f}" for m in ours[1:]]
        cells += [f"{ck[m]['accuracy']:.4f}" if m in ck else "fails" for m in CROWDKIT_METHODS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def calibration_table(results: dict[str, Any]) -> str:
    """Markdown: ECE and time of auto and of the best crowd-kit method per data set."""
    lines = [
        "| data set | annotations | auto ECE | auto time (s) | MajorityVote ECE | "
        "DawidSkene ECE | crowd-kit best-method time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results["datasets"].items():
        ck = {m: v for m, v in r.get("crowdkit", {}).items() if "accuracy" in v}
        best = max(ck.items(), key=lambda kv: kv[1]["accuracy"]) if ck else None
        auto = r["veracity"]["auto"]
        mv, ds = ck.get("MajorityVote"), ck.get("DawidSkene")
        lines.append(
            f"| {name} | {r['annotations']:,} | {auto['ece']:.3f} | {auto['seconds']:.2f} | "
            f"{mv['ece']:.3f} | {ds['ece']:.3f} | "
            f"{best[1]['seconds']:.2f} ({best[0]}) |"
            if best and mv and ds
            else f"| {name} | {r['annotations']:,} | {auto['ece']:.3f} | "
            f"{auto['seconds']:.2f} | - | - | - |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark (or, with --crowdkit-runner, crowd-kit's half of it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crowdkit-runner", nargs=2, metavar=("IN", "OUT"))
    parser.add_argument(
        "--crowdkit-python",
        default=os.environ.get("CROWDKIT_PYTHON"),
        help="python of a virtualenv with crowd-kit (omit to skip the comparison)",
    )
    parser.add_argument("--real", type=Path, help="folder of real data sets")
    parser.add_argument("--only", help="comma-separated data set names")
    parser.add_argument("--million", action="store_true", help="also time 1M annotations")
    parser.add_argument(
        "--crowdkit-million",
        default="MajorityVote,DawidSkene",
        help="crowd-kit methods to time on 1M annotations (comma-separated; '' for none)",
    )
    args = parser.parse_args()
    if args.crowdkit_runner:
        crowdkit_runner(*args.crowdkit_runner)
        return

    sys.path.insert(0, str(ROOT / "src"))
    datasets = dict(SYNTHETIC)
    if args.real:
        datasets.update(real_datasets(args.real))
    if args.only:
        wanted = set(args.only.split(","))
        datasets = {k: v for k, v in datasets.items() if k in wanted}
    results: dict[str, Any] = {"datasets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, make in datasets.items():
            print(f"{name} ...", file=sys.stderr)
            data = make()
            entry: dict[str, Any] = {
                "annotations": len(data["items"]),
                "items": len(data["truth"]),
                "classes": data["k"],
                "gold": len(data["gold_items"]),
                "veracity": run_veracity(data),
            }
            if args.crowdkit_python:
                entry["crowdkit"] = run_crowdkit(args.crowdkit_python, data, workdir)
            results["datasets"][name] = entry
        if args.million:
            big = [m for m in args.crowdkit_million.split(",") if m]
            results["million"] = million(args.crowdkit_python, workdir, big)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if args.only or not args.million:
        # A partial run updates its own entries and keeps the rest.
        merged = previous.get("datasets", {})
        merged.update(results["datasets"])
        results["datasets"] = merged
        results.setdefault("million", previous.get("million"))
    RESULTS.write_text(json.dumps(results, indent=1))
    print(table(results))
    print()
    print(calibration_table(results))
    if results.get("million"):
        print()
        print(json.dumps(results["million"], indent=1))


if __name__ == "__main__":
    main()
