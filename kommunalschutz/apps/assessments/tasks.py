"""Assessments: tasks."""
