"""What the stack changes in this process while it runs, and puts back when it stops: environment
variables (a Lambda's AWS settings) and where the functions' output goes."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import IO, Any


class ProcessEnvironment:
    """Sets environment variables and restores every one of them on :meth:`restore`."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: dict[str, str | None]) -> None:
        """Set (or, for None, unset) each variable; the first value seen is the one restored."""
        for key, value in values.items():
            self._saved.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


class FunctionOutput:
    """Sends the functions' stdout (Powertools JSON logs, EMF metrics) to a log file, or leaves it."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._stdout: contextlib.redirect_stdout[Any] | None = None
        self._saved_streams: list[tuple[logging.StreamHandler[Any], Any]] = []

    def start(self) -> None:
        if self.path is None:
            return
        from closedwon.observability import logger

        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                # Swap the stream without setStream(): that flushes the old stream, which may be a
                # capture file a test runner has already closed.
                self._saved_streams.append((handler, handler.stream))
                handler.stream = self._file
        self._stdout = contextlib.redirect_stdout(self._file)
        self._stdout.__enter__()

    def stop(self) -> None:
        """Put stdout and the logger's streams back and close the file; again: does nothing."""
        if self._stdout is not None:
            self._stdout.__exit__(None, None, None)
            self._stdout = None
        for handler, stream in self._saved_streams:
            handler.stream = stream
        self._saved_streams = []
        if self._file is not None:
            self._file.close()
            self._file = None
