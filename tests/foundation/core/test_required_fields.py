"""Required fields are marked in one place (templates/django/forms/label.html): a visible asterisk, the
`required` attribute for screen readers, and "* Pflichtfeld" once above the form (core/_form_errors.html)."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from kommunalschutz.foundation.core.templatetags.core_forms import has_required_fields
from kommunalschutz.protection.measures.forms import MeasureForm
from kommunalschutz.surveys.sampling.forms import MappingForm

MARK = '<span class="required-mark" aria-hidden="true"> *</span>'


class ExampleForm(forms.Form):
    title = forms.CharField(label="Title")
    note = forms.CharField(label="Note", required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_required_fields_carry_the_mark_and_the_attribute() -> None:
    form = ExampleForm()
    title, note, kind = (form[name].as_field_group() for name in ("title", "note", "kind"))
    assert MARK in title and " required" in title
    assert MARK not in note and " required" not in note
    assert MARK in kind  # a legend (radio group) is marked the same way
    assert "<legend" in kind


def test_the_case_teams_owner_field_is_marked() -> None:
    """ "Verantwortlich (Fallteam)" was required but looked optional (issue 13)."""
    form = MeasureForm.__new__(MeasureForm)
    forms.Form.__init__(form)  # the field as declared; the case only narrows the choices
    with translation.override("de"):
        html = form["owner"].as_field_group()
    assert "Verantwortlich (Fallteam)" in html and MARK in html and " required" in html
    assert MARK not in form["description"].as_field_group()


def test_the_legend_explains_the_asterisk_once() -> None:
    with translation.override("de"):
        page = render_to_string("core/_form_errors.html", {"form": ExampleForm()})
    assert page.count("Pflichtfeld") == 1 and "required-legend" in page
    optional = type("Optional", (forms.Form,), {"note": forms.CharField(required=False)})()
    assert not has_required_fields(optional)
    assert "Pflichtfeld" not in render_to_string("core/_form_errors.html", {"form": optional})


def test_register_columns_say_pflichtfeld_not_pflichtfrage() -> None:
    """ "Pflichtfrage" is a mandatory questionnaire question; a column of the register extract is a field."""
    with translation.override("de"):
        form = MappingForm(header=["Name"], initial_mapping={})
        help_texts = {str(field.help_text) for field in form.fields.values()}
    assert "Pflichtfeld" in help_texts
    assert "Pflichtfrage" not in help_texts
