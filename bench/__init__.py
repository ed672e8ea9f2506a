"""Benchmarks of the product on the embedded offline stack (``python -m bench.<name>``).

See bench/README.md. Importing :mod:`offline` first puts ``layers/shared`` on ``sys.path`` the way
the Lambda layer does, so ``closedwon`` imports from a plain checkout.
"""

import offline  # noqa: F401  (puts layers/shared on sys.path)
