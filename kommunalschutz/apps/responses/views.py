"""Views of the responses app."""
