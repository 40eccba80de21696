"""Run the tally engine's command line (see `townhall.voting.cli`)."""

import sys

from townhall.voting.cli import main

sys.exit(main())
