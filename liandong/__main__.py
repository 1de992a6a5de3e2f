"""`python -m liandong` runs the command-line interface."""

from liandong.cli import run

run()
