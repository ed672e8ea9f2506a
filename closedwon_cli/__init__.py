"""closedwon: the operator command line (backfill, replay, redrive, status). See docs/operations.md.

Installed with the shared package ``closedwon`` (``pip install .``); ``--offline`` also needs the
offline stack of a checkout (``offline/``).
"""
