"""The `kommunalschutz` command for operators: Django's manage.py with our commands.

    kommunalschutz import-registry [--land KEY]       (the state of KOMMUNALSCHUTZ_STATE by default)
    kommunalschutz build-basemap
    kommunalschutz load-programme [--path FILE]
    kommunalschutz load-partners [--path FILE]
    kommunalschutz demo [--force-demo]
    kommunalschutz createtoken USER
    kommunalschutz check-deploy
    kommunalschutz verify-audit
    kommunalschutz move-files [--keep]
    kommunalschutz rebuild-figures [--check]
    kommunalschutz backup [--output PATH]
    kommunalschutz restore PATH [--replace]
    kommunalschutz train-triage [--output PATH] [--sample N] [--extra FILE]
    kommunalschutz classify-triage IN OUT
    kommunalschutz evaluate-triage FILE | --cross-validate
and every Django management command (migrate, runserver, …).
"""

from __future__ import annotations

import os
import sys

# Operator-facing names with dashes map to Django command names.
ALIASES = {
    "import-registry": "import_registry",
    "build-basemap": "build_basemap",
    "load-programme": "load_programme",
    "load-partners": "load_partners",
    "check-deploy": "check_deploy",
    "rotate-keys": "rotate_keys",
    "move-files": "move_files",
    "generate-key": "generate_key",
    "totp-code": "totp_code",
    "reset-second-factor": "reset_second_factor",
    "pseudonymise-user": "pseudonymise_user",
    "apply-retention": "apply_retention",
    "rebuild-statistics": "rebuild_statistics",
    "survey-estimate": "survey_estimate",
    "delete-survey-addresses": "delete_survey_addresses",
    "import-pks": "import_pks",
    "verify-audit": "verify_audit",
    "rebuild-figures": "rebuild_figures",
    "grant-runtime-privileges": "grant_runtime_privileges",
    "train-triage": "train_triage",
    "classify-triage": "classify_triage",
    "evaluate-triage": "evaluate_triage",
}
# Commands that change the schema or its privileges run as the owner role (MIGRATION_DATABASE_URL) when
# one is configured; everything else, the web and task processes above all, runs as the runtime role.
OWNER_COMMANDS = frozenset({"migrate", "createcachetable", "grant_runtime_privileges", "backup", "restore"})


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kommunalschutz.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "kommunalschutz"
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
        if args[1] in OWNER_COMMANDS:
            os.environ["KOMMUNALSCHUTZ_DATABASE_OWNER"] = "1"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
