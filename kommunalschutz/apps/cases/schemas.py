"""Cases: schemas."""
