import sys

from pyslsa.cli import main

sys.exit(main())
