"""Security analyses (issue 5): sampling, weighting and design-based estimation."""
