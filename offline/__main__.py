"""``python -m offline``: the embedded offline stack's command line (docs/offline.md)."""

from offline.cli import main

raise SystemExit(main())
