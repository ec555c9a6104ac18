"""Measures: forms."""
