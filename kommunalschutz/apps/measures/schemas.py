"""Measures: schemas."""
