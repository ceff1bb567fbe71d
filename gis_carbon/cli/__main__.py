import sys

from gis_carbon.cli import main

sys.exit(main())
