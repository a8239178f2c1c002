"""Reading the texts a generative-AI field points at in an item's data.

Fields of the kinds ``pairwise``, ``ranking``, ``rubric``, ``response``, ``reasoning`` and
``step_review`` do not hold the prompt and the model's responses themselves: their settings
name keys of the item's ``data``. This module turns those keys into texts, the same way for
every kind (and the annotate page's scripts follow the same rules).

- A **prompt** key holds a string, or a conversation: a list of ``{"role", "content"}``
  messages with roles ``system``, ``user`` or ``assistant``.
- A **responses** setting is either a list of data keys (each holding one response), or one
  data key holding a list of strings (keyed ``a``, ``b``, ``c``… in order) or an object of
  key to string.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from veracity.domain.errors import InvalidRecord

ROLES = ("system", "user", "assistant")
LIST_KEYS = string.ascii_lowercase
MAX_RESPONSES = len(LIST_KEYS)

Message = dict[str, str]


def conversation(data: Mapping[str, Any], key: str | None) -> list[Message] | None:
    """The prompt under ``key`` as a list of messages; ``None`` when there is none.

    A string is one user message. Messages that are not ``{role, content}`` with a known
    role and a string content make the whole conversation unreadable (``None``).
    """
    if key is None:
        return None
    raw = data.get(key)
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if not isinstance(raw, list) or not raw:
        return None
    messages: list[Message] = []
    for message in raw:
        if not isinstance(message, Mapping):
            return None
        role, content = message.get("role"), message.get("content")
        if role not in ROLES or not isinstance(content, str):
            return None
        messages.append({"role": str(role), "content": content})
    return messages


def history(messages: list[Message] | None) -> list[Message]:
    """The conversation before the assistant turn being written or judged.

    When a conversation ends with an assistant message, that message is the one being
    rewritten (or compared), so it is left out.
    """
    if not messages:
        return []
    if messages[-1]["role"] == "assistant":
        return messages[:-1]
    return list(messages)


def prompt_text(data: Mapping[str, Any], key: str | None) -> str | None:
    """The prompt under ``key`` as plain text: the string, or the last user message."""
    messages = history(conversation(data, key))
    for message in reversed(messages):
        if message["role"] == "user":
            return message["content"]
    return None


def responses(data: Mapping[str, Any], spec: str | list[str]) -> dict[str, str] | None:
    """The responses an item offers, key to text, in order; ``None`` when unreadable."""
    if isinstance(spec, list):
        texts = {key: data.get(key) for key in spec}
        if not all(isinstance(t, str) for t in texts.values()):
            return None
        return {k: str(t) for k, t in texts.items()}
    return _responses_at(data.get(spec))


def _responses_at(raw: Any) -> dict[str, str] | None:
    if isinstance(raw, list) and 0 < len(raw) <= MAX_RESPONSES:
        if all(isinstance(t, str) for t in raw):
            return {LIST_KEYS[i]: str(t) for i, t in enumerate(raw)}
        return None
    if (
        isinstance(raw, Mapping)
        and raw
        and all(isinstance(k, str) and isinstance(t, str) for k, t in raw.items())
    ):
        return {str(k): str(t) for k, t in raw.items()}
    return None


def require_responses(field: str, data: Mapping[str, Any], spec: str | list[str]) -> dict[str, str]:
    """:func:`responses`, or an error saying the item does not hold them."""
    found = responses(data, spec)
    if found is None:
        where = ", ".join(repr(k) for k in spec) if isinstance(spec, list) else repr(spec)
        raise InvalidRecord(f"the item has no readable responses under {where}", field=field)
    return found


def steps(data: Mapping[str, Any], key: str) -> list[str] | None:
    """The steps of a solution under ``key``: a list of strings, or ``{"steps": [...]}``."""
    raw = data.get(key)
    if isinstance(raw, Mapping):
        raw = raw.get("steps")
    if isinstance(raw, list) and raw and all(isinstance(s, str) for s in raw):
        return [str(s) for s in raw]
    return None


def check_data_key(key: str) -> str:
    """A data key named in a field's settings must be a non-empty, short string."""
    if not key or len(key) > 200:
        raise ValueError("data keys must be 1 to 200 characters")
    return key
