"""REST API of the responses app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["responses"])
