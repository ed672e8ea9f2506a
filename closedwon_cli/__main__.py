"""``python -m closedwon_cli``: the operator command line without installing it."""

from closedwon_cli.main import main

raise SystemExit(main())
