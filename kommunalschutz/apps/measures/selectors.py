"""Measures: selectors."""
