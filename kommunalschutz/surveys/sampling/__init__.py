"""sampling app."""
