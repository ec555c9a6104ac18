"""REST API of the sampling app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["sampling"])
