"""Cases: tasks."""
