"""liandong: a static-site generator for Chinese official bulletins (简报)."""

__version__ = "0.2.0"
