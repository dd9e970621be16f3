#!/usr/bin/env python3
"""Khabar's command line: `python build.py [build|check|new|serve|crosspost|due] [options]`."""

import sys

from generator.cli import main

if __name__ == "__main__":
    sys.exit(main())
