"""Evidence: forms."""
