"""closedwon: the operator command line (backfill, replay, redrive, status). See docs/operations.md.

The shared package is deployed as a Lambda layer from layers/shared/ and the offline stack lives
at the repository root; put both on the path so ``closedwon`` and ``python -m closedwon_cli`` work
from a plain checkout (or an editable install) without PYTHONPATH.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LAYER = str(ROOT / "layers" / "shared")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
