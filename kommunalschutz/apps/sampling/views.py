"""Views of the sampling app."""
