"""``python -m classmood``: the ``classmood`` command."""

from .cli import main

raise SystemExit(main())
