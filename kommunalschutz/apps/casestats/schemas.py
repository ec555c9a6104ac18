"""Casestats: schemas."""
