"""Evidence: schemas."""
