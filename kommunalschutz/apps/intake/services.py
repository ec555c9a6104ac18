"""Intake: services."""
