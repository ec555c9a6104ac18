"""REST API of the surveys app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["surveys"])
