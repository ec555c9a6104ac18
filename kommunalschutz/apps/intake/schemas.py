"""Intake: schemas."""
