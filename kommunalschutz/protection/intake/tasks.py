"""Intake: tasks."""
