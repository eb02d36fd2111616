"""``python ingest.py PATH…`` does what ``newsdex ingest PATH…`` does."""

import sys

from newsdex.cli import cli

if __name__ == "__main__":
    cli(["ingest", *sys.argv[1:]], prog_name="python ingest.py")
