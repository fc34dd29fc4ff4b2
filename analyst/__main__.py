"""``python -m analyst`` entry point (see analyst.cli)."""

import sys

from analyst.cli import main

sys.exit(main())
