"""Measures: tasks."""
