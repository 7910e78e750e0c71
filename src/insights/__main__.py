"""``python -m insights``: the same command line as the ``insights`` script."""

from insights.cli import main

raise SystemExit(main())
