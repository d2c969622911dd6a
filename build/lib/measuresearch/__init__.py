"""measuresearch: full-text search over the DTI database of digital-trade measures."""

__version__ = "0.1.0"
