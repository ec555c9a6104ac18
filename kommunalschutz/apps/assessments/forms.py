"""Assessments: forms."""
