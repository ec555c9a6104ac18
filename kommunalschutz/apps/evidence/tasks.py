"""Evidence: tasks."""
