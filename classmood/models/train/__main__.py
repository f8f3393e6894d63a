"""``python -m classmood.models.train``: see :mod:`classmood.models.train.command`."""

from .command import main

if __name__ == "__main__":
    raise SystemExit(main())
