"""responses app."""
