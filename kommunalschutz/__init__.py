"""Kommunalschutz: municipal prevention alliance and protection of local officials."""

__version__ = "0.1.0"
