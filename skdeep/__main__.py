"""``python -m skdeep`` runs the ``skdeep`` command."""

import sys

from skdeep.cli import main

sys.exit(main())
