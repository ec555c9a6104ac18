"""The intake has no permissions of its own: logged-in reports use cases.report_incident and
cases.report_on_behalf; the anonymous form is public and its follow-up is guarded by receipt and passphrase."""
