"""The exceptions the commands raise and catch."""


class CliError(Exception):
    """A problem the operator can act on: printed as one line, without a traceback (exit 2)."""


class AlreadyStarted(Exception):
    """Step Functions already has an execution of that name: it is the one we meant to start."""

    def __init__(self, arn: str) -> None:
        super().__init__(arn)
        self.arn = arn


class StartFailed(Exception):
    """StartExecution was refused (after the client's own retries)."""
