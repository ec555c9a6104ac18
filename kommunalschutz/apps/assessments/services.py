"""Assessments: services."""
