"""What English in a German text looks like: the word list of the walk over every page
(tests/test_german_everywhere.py) and of the e-mail check (tests/conftest.py, every e-mail the suite sends)."""

from __future__ import annotations

import re

# English that must not appear in the visible text; whole words, case as written. Chosen not to fire on
# German words ("Name", "Status", "Not", "Event" are German too), on names or on addresses.
ENGLISH = [
    "the", "The", "and", "of", "not", "with", "for", "your", "Your", "you", "is", "are", "this", "This",
    "please", "Please", "Submit", "Save", "Cancel", "Search", "Date", "Page", "Delete", "Edit", "Back", "Next",
    "Previous", "required", "field", "This field", "Enter a valid", "Select", "Choose", "Show",
    "Hide", "Download", "Upload", "Loading", "Error", "Warning", "Welcome", "Log in", "Login", "Logout",
    "Sign in", "Password", "Username", "Settings", "Created", "Updated", "Deleted", "Pending", "Inactive",
    "None", "True", "False", "yes", "Yes", "No", "Month", "Year", "Total", "Number", "Description", "Title",
    "Summary", "Add", "Remove", "Close", "Open", "Send", "Reset", "All", "Any", "from", "to",
    "at", "by", "on", "in progress", "Overview", "Results", "Report", "Reports", "Case", "Cases", "Survey",
    "Municipality", "District", "Agreement", "Meeting", "Task", "Tasks", "Measures", "Evidence", "Assessment",
    "Weighting", "Sample", "Letters", "Questionnaire", "Item", "Items", "Draft", "Active",
]  # not "optional", "Version", "Filter", "Name", "Status", "Details": German words as well
ENGLISH_PATTERN = re.compile(r"(?<![\w/.@-])(?:" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w/@-])")
# Raw field names: snake_case words and "app_label.model".
APPS = ("core", "registry", "accounts", "alliance", "programme", "engagements", "councils", "events", "insights",
        "cases", "intake", "evidence", "assessments", "measures", "casestats", "surveys", "projects",
        "sampling", "responses", "findings", "auth")
FIELD_PATTERN = re.compile(r"(?<![\w/.@-])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|(?:" + "|".join(APPS)
                           + r")\.[a-z][a-z_]*)(?![\w/@-])")


def english_in(text: str) -> list[str]:
    """The English words in a plain text (an e-mail), each with its context. (Raw field names are not looked
    for here: an e-mail names the recipient's username, which may well be snake_case.)"""
    return [f"English {m.group()!r} in “…{text[max(0, m.start() - 40):m.end() + 40]}…”"
            for m in ENGLISH_PATTERN.finditer(text)]
