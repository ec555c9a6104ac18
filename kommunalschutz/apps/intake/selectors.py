"""Intake: selectors."""
