"""Views of the findings app."""
