"""Evidence: services."""
