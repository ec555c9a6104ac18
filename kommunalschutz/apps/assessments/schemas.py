"""Assessments: schemas."""
