"""Evidence: the API's schemas."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class OnlineOut(Schema):
    url: str
    platform: str
    account_name: str
    profile_url: str
    posted_at: dt.datetime | None
    captured_at: dt.datetime | None
    content_text: str
    context: str


class EvidenceOut(Schema):
    id: int
    number: int = Field(description="position in the case's evidence list and in the evidence package")
    kind: str = Field(description="file or online")
    description: str
    original_name: str
    size: int | None
    content_type: str = Field(description="the type detected from the bytes")
    sha256: str = Field(description="SHA-256 of the original bytes, taken at upload")
    created_at: dt.datetime
    created_by: str | None = Field(description="user name; null when the reporter added it")
    by_reporter: bool
    download_url: str | None
    online: OnlineOut | None


class OnlineIn(Schema):
    url: str = Field(description="http(s) address of the content")
    platform: str
    account_name: str = ""
    profile_url: str = ""
    posted_at: str | None = Field(None, description="ISO 8601 date and time with offset",
                                  examples=["2024-11-04T22:13:00+01:00"])
    captured_at: str | None = Field(None, description="ISO 8601 date and time with offset; not before posted_at, "
                                                      "not in the future", examples=["2024-11-05T08:02:00+01:00"])
    content_text: str = ""
    context: str = ""
    description: str = ""
