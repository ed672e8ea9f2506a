"""The embedded offline stack (a development tool, not deployed). See docs/offline.md."""

import sys
from pathlib import Path

# The shared package is deployed as a Lambda layer from layers/shared/; put it on the path the
# way the layer does in Lambda, so `python -m offline` works from a plain checkout.
_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "shared")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
