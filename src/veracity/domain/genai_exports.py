"""Export formats that training code for language models reads (issue #3).

- ``sft``: chat JSONL for supervised fine-tuning, ``{"messages": [...]}`` per written
  response (``response`` and ``reasoning`` fields);
- ``dpo`` and ``dpo_adjacent``: preference pairs ``{"prompt", "chosen", "rejected"}`` from
  ``pairwise`` fields and from ``ranking`` fields (every ordered pair of a ranking, or only
  neighbours);
- ``step_labels``: one record per reviewed solution with a rating per step
  (``step_review`` fields), in the shape of public process-supervision data sets.

Every format reads the item's resolution (the final value), skips items not resolved yet,
and refuses a project with no field it can use. Pure functions, no I/O; the service streams.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import combinations
from typing import Any

from veracity.domain.errors import InvalidRecord
from veracity.domain.export_formats import ExportFormat, dumps, register
from veracity.domain.label_schema import LabelSchema
from veracity.domain.schema_kinds import FieldKind
from veracity.domain.schema_kinds.item_texts import Message, conversation, history, responses
from veracity.domain.schema_kinds.item_texts import steps as solution_steps
from veracity.domain.schema_kinds.pairwise import PairwiseField
from veracity.domain.schema_kinds.ranking import RankingField
from veracity.domain.schema_kinds.reasoning import ReasoningField
from veracity.domain.schema_kinds.response import ResponseField
from veracity.domain.schema_kinds.step_review import StepReviewField

# Process-supervision data sets (PRM800K and its kin) write step ratings as numbers.
STEP_SCORES = {"correct": 1, "neutral": 0, "incorrect": -1}


class _LineFormat(ExportFormat):
    """JSON lines built from the resolved values of fields of some kinds."""

    media_type = "application/x-ndjson"
    extension = "jsonl"
    kinds: tuple[type[FieldKind], ...] = ()
    needs = ""

    def __init__(self, schema: LabelSchema) -> None:
        super().__init__(schema)
        self.fields = [f for f in schema.fields if isinstance(f, self.kinds)]
        if not self.fields:
            raise InvalidRecord(
                f"format {self.name!r} needs a field of kind {self.needs}", field="format"
            )

    def rows(self, records: Sequence[dict[str, Any]]) -> bytes:
        """One line per output row; items without a resolution give none."""
        out = []
        for record in records:
            value = (record.get("resolution") or {}).get("value") or {}
            for field in self.fields:
                resolved = value.get(field.name)
                if resolved is None:
                    continue
                for row in self.lines(field, resolved, record):
                    out.append(dumps(row) + b"\n")
        return b"".join(out)

    def lines(
        self, field: FieldKind, resolved: Any, record: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """The rows one resolved field of one item gives."""
        raise NotImplementedError


def _source(field: FieldKind, record: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": record["id"], "external_id": record["external_id"], "field": field.name}


def _reasoning_text(value: dict[str, Any]) -> str:
    text = "\n\n".join(value["steps"])
    return f"{text}\n\nAnswer: {value['answer']}" if value.get("answer") else text


class SftChat(_LineFormat):
    """``{"messages": [..., {"role": "assistant", "content": resolved}], ...}``."""

    name = "sft"
    kinds = (ResponseField, ReasoningField)
    needs = "response or reasoning"

    def lines(
        self, field: FieldKind, resolved: Any, record: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """The conversation up to the written turn, then the written turn."""
        assert isinstance(field, ResponseField | ReasoningField)
        messages = history(conversation(record["data"], field.prompt))
        if not messages:
            return
        content = resolved if isinstance(resolved, str) else _reasoning_text(resolved)
        yield {
            "messages": [*messages, {"role": "assistant", "content": content}],
            **_source(field, record),
        }


class DpoPairs(_LineFormat):
    """``{"prompt", "chosen", "rejected", "margin", ...}`` per preferred pair."""

    name = "dpo"
    kinds = (PairwiseField, RankingField)
    needs = "pairwise or ranking"
    adjacent = False

    def lines(
        self, field: FieldKind, resolved: Any, record: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """One pair from a pairwise preference (none for a tie); from a ranking, every pair
        (or neighbours only) with the better-ranked response chosen."""
        assert isinstance(field, PairwiseField | RankingField)
        data = record["data"]
        messages = history(conversation(data, field.prompt))
        offered = responses(data, field.responses)
        if not messages or offered is None:
            return
        pairs: list[tuple[str, str, float | None]] = []
        if isinstance(field, PairwiseField):
            a, b = field.responses
            if resolved["choice"] == "a":
                pairs.append((a, b, resolved.get("strength")))
            elif resolved["choice"] == "b":
                pairs.append((b, a, resolved.get("strength")))
        else:
            order = [k for k in resolved if k in offered]
            for i, j in combinations(range(len(order)), 2):
                if not self.adjacent or j == i + 1:
                    pairs.append((order[i], order[j], float(j - i)))
        for chosen, rejected, margin in pairs:
            yield {
                **_pair(messages, offered[chosen], offered[rejected]),
                "chosen_key": chosen,
                "rejected_key": rejected,
                "margin": margin,
                **_source(field, record),
            }


def _pair(messages: list[Message], chosen: str, rejected: str) -> dict[str, Any]:
    """Plain strings for a one-turn prompt; TRL's conversational shape for a conversation."""
    if len(messages) == 1 and messages[0]["role"] == "user":
        return {"prompt": messages[0]["content"], "chosen": chosen, "rejected": rejected}
    return {
        "prompt": messages,
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
    }


class DpoAdjacentPairs(DpoPairs):
    """As ``dpo``, but a ranking gives only the pairs of neighbours (n-1 per ranking)."""

    name = "dpo_adjacent"
    adjacent = True


class StepLabels(_LineFormat):
    """``{"problem", "steps": [{"text", "rating", "score"}], "first_error", ...}``."""

    name = "step_labels"
    kinds = (StepReviewField,)
    needs = "step_review"

    def lines(
        self, field: FieldKind, resolved: Any, record: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """One record per reviewed solution."""
        assert isinstance(field, StepReviewField)
        data = record["data"]
        texts = solution_steps(data, field.solution)
        if texts is None or len(texts) != len(resolved["ratings"]):
            return
        messages = history(conversation(data, field.prompt))
        problem = messages[-1]["content"] if messages else None
        solution = data.get(field.solution)
        answer = solution.get("answer") if isinstance(solution, dict) else None
        confidence = (record.get("resolution") or {}).get("confidence")
        yield {
            "problem": problem,
            "steps": [
                {"text": text, "rating": rating, "score": STEP_SCORES[rating]}
                for text, rating in zip(texts, resolved["ratings"], strict=True)
            ],
            "answer": answer,
            "first_error": resolved["first_error"],
            "confidence": confidence,
            "n_reviews": len(record.get("annotations") or []),
            **_source(field, record),
        }


for _format in (SftChat, DpoPairs, DpoAdjacentPairs, StepLabels):
    register(_format)
