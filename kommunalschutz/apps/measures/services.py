"""Measures: services."""
