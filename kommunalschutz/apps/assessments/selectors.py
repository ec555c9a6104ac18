"""Assessments: selectors."""
