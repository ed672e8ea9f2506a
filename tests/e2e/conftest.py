"""End-to-end fixtures: the whole offline stack (moto SFN + real handlers + both doubles)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from offline.corpus import OrgBuilder, netsuite_seed, platform_event
from offline.runner import Runner
from offline.stack import DEFAULT_CONFIG, DEFAULT_ORG, OfflineStack, StackOptions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Callable[..., OfflineStack]]:
    """Start an offline stack on an org snapshot (dict) or the bundled sample; stopped after the test."""
    started: list[OfflineStack] = []

    def make(
        org: dict[str, Any] | None = None,
        *,
        config: Path = DEFAULT_CONFIG,
        state: Path | None = None,
        **options: Any,
    ) -> OfflineStack:
        snapshot = org if org is not None else json.loads(DEFAULT_ORG.read_text(encoding="utf-8"))
        stack = OfflineStack(
            StackOptions.in_folder(
                tmp_path,
                snapshot,
                netsuite_seed(),
                name=f"stack{len(started)}-",
                state_dir=state or tmp_path / "state",
                config_path=config,
                **options,
            )
        )
        stack.start()
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.stop()


def sample_event() -> dict[str, Any]:
    return json.loads((ROOT / "events/opportunity_closed_won.json").read_text())


def run(stack: OfflineStack, event: dict[str, Any]):
    return Runner(stack).run_event(event)


def event_for(org: OrgBuilder, opportunity_id: str) -> dict[str, Any]:
    opp = next(o for o in org.records["Opportunity"] if o["Id"] == opportunity_id)
    return platform_event(opp, org.org_id)


def writes_of(dump: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {k: len(v) for k, v in dump.items()}


@pytest.fixture(autouse=True)
def function_logs_to_a_live_stream() -> Iterator[None]:
    """The functions' logger binds ``sys.stdout`` when first imported. Under pytest that can be
    an earlier test's capture, closed by now, and the offline stack's log routing (the CLI sends
    the functions' logs to STATE/lambda.log) flushes the old stream before switching."""
    import logging
    import sys

    from closedwon.observability import logger

    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    saved = [h.stream for h in handlers]
    for handler in handlers:
        handler.stream = sys.__stderr__
    yield
    for handler, stream in zip(handlers, saved, strict=True):
        handler.stream = stream
