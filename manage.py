#!/usr/bin/env python
"""Django's manage.py; the ``vermilion`` command does the same and more."""

import sys

from vermilion.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
