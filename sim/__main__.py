"""``python -m sim`` is the ``stratsim`` command."""

from .cli import main

raise SystemExit(main())
