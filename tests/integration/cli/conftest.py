from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def function_logs_to_a_live_stream() -> Iterator[None]:
    """The functions' logger binds ``sys.stdout`` when first imported. Under pytest that can be
    an earlier test's capture, closed by now, and the offline stack's log routing (the CLI sends
    the functions' logs to STATE/lambda.log) flushes the old stream before switching."""
    from closedwon.observability import logger

    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    saved = [h.stream for h in handlers]
    for handler in handlers:
        handler.stream = sys.__stderr__
    yield
    for handler, stream in zip(handlers, saved, strict=True):
        handler.stream = stream
