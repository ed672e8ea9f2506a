"""The embedded offline stack (a development tool, not deployed). See docs/offline.md.

It imports the shared package ``closedwon`` as an installed package: ``make`` installs the
checkout into .venv (``pip install -e .``), as the Lambda layer provides it in Lambda.
"""
