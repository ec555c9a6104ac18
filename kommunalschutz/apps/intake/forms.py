"""Intake: forms."""
