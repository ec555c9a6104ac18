"""Evidence: the upload form and the form for online content (DOMAIN.md §2.2).

The forms only collect input; every check that matters (type from the bytes, size, URL, times) is
done by the services, whose errors land at the fields (core.forms.add_service_errors).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.forms import DateTimeField
from kommunalschutz.foundation.core.validators import INCIDENT


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time, Europe/Berlin)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M", **kwargs)


class EvidenceFileForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"), allow_empty_file=True,
        help_text=_("Images (JPEG, PNG, GIF, WebP), PDF, e-mails saved as .eml, plain text (.txt). Upload the "
                    "original file, unedited."),
    )
    description = forms.CharField(
        label=_("What does the file show?"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    prefix = "file"


class OnlineContentForm(forms.Form):
    url = forms.CharField(label=_("Address (URL) of the content"), max_length=2000,
                          widget=forms.URLInput(attrs={"inputmode": "url"}),
                          help_text=_("The full address of the post or message, starting with https://."))
    platform = forms.CharField(label=_("Online platform"), max_length=100,
                               help_text=_("For example Facebook, Instagram, X, Telegram, TikTok, a website."))
    account_name = forms.CharField(label=_("Account or user name of the author"), max_length=300, required=False)
    profile_url = forms.CharField(label=_("Address (URL) of the author's profile"), max_length=2000, required=False,
                                  widget=forms.URLInput(attrs={"inputmode": "url"}))
    posted_at = DateTimeField(label=_("Posted on (date and time)"), widget=DateTimeInput(), kind=INCIDENT,
                              help_text=_('The absolute time of posting, not "2 hours ago".'))
    captured_at = DateTimeField(label=_("Captured on (date and time)"), widget=DateTimeInput(), kind=INCIDENT,
                                help_text=_("When you saved or photographed the content."))
    content_text = forms.CharField(label=_("The content itself (word for word)"), required=False,
                                   max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}))
    context = forms.CharField(label=_("Context (original post, thread, replies)"), required=False,
                              max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(label=_("Note on this content"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Screenshot or saved page (optional)"), required=False, allow_empty_file=True,
                           help_text=_("An image (PNG, JPEG) or a PDF of the page."))

    prefix = "online"
