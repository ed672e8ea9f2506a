"""The workflow steps' core logic: one module per state machine Task.

Each ``run(state, deps) -> result`` takes the workflow state (see docs/architecture.md) and returns
what the ASL stores at the step's ResultPath. Handlers in functions/ are a few lines over these.
"""
