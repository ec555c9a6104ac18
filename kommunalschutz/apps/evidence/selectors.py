"""Evidence: selectors."""
