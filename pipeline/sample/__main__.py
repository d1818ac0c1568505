"""`python -m pipeline.sample OUT_DIR [--seed N] [--scale X]`: write the sample corpus (pipeline.sample.corpus)."""

import sys

from pipeline.sample.corpus import main

sys.exit(main())
