"""findings app."""
