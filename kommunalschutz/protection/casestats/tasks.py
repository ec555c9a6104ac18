"""Casestats: tasks."""
