"""DLQ messages saved to a file, for ``closedwon replay FILE``.

Three shapes are read: the offline stack's ``STATE/dlq.json`` (a list of message bodies), one
message body (docs/dlq-message.md), and the output of ``aws sqs receive-message`` (``Messages``,
each with its body as a JSON string).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from closedwon_cli.errors import CliError


def looks_like_a_file(target: str) -> bool:
    return target.endswith(".json") or Path(target).is_file()


def read_messages(path: Path) -> list[dict[str, Any]]:
    """Every message body in the file, in order; :class:`CliError` when it holds none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise CliError(f"{path}: not JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("Messages"), list):
        data = [_body(path, i, m) for i, m in enumerate(data["Messages"], start=1)]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise CliError(f"{path}: not DLQ messages (a list of message objects, or one)")
    return data


def _body(path: Path, number: int, message: Any) -> dict[str, Any]:
    try:
        body = json.loads(message["Body"])
    except (TypeError, KeyError, ValueError):
        raise CliError(f"{path}: message {number} has no JSON Body") from None
    if not isinstance(body, dict):
        raise CliError(f"{path}: the Body of message {number} is not a JSON object")
    return body


def select(path: Path, bodies: list[dict[str, Any]], number: int | None) -> list[int]:
    """The 1-based numbers of the messages to replay: all of them, or ``--message N``."""
    if number is None:
        return list(range(1, len(bodies) + 1))
    if not 1 <= number <= len(bodies):
        raise CliError(f"--message {number}: {path} holds {len(bodies)} message(s)")
    return [number]
