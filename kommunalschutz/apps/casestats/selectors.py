"""Casestats: selectors."""
