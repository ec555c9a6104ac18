"""`python -m bench.survey_letters [--quick]`: time to render a sample's cover letters (with QR codes) as PDF.

A throw-away deployment (bench.deployment, SQLite), then a child process (this module with --child) that
renders --letters cover letters of a project of Pirna with realistic German names (umlauts, ß, double
names, some too long for one line) through ``sampling.letters._letters_pdf``: the way of decision record
0029 (template laid out once, fields and QR code stamped per person) against the 10 s goal for 1,000
letters, and, unless --no-old, the old way (every letter laid out by WeasyPrint) on --old-letters letters,
scaled to the same count. Reports wall-clock and CPU seconds of the child and the share of all cores that
other programs took meanwhile (the machine is shared: wall-clock time suffers, CPU time much less).

Prints a Markdown table and writes bench/results/survey_letters.json. --quick: 200 letters, old way on 20.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "survey_letters.json"
GOAL_S = 10.0
GOAL_LETTERS = 1000
SEED = 20260614
GIVEN = ["Jürgen", "Sören", "Anna", "Käthe", "Lukas", "Maria Luise", "Jörg", "Zoë", "Hans-Günther", "Łukasz",
         "Tanja", "Friederike Charlotte"]
FAMILY = ["Müller", "Schmidt", "Schröder", "Weiß", "Krüger", "Lehmann", "Böhm", "Hoffmann", "Schmidt-Überländer",
          "Öztürk", "Großkopf", "Tiefflieger"]
STREETS = ["Dohnaer Straße", "Am Markt", "Schloßstraße", "Grüne Gasse", "Königsteiner Straße", "Breite Straße"]
LONG_NAME = ("Karl-Theodor Maria Nikolaus Johann Jacob Philipp", "Freiherr von und zu Guttenberg-Sondershausen")


def _members(count: int, seed: int) -> list[Any]:
    from kommunalschutz.surveys.sampling import codes
    from kommunalschutz.surveys.sampling.models import SampleMember

    rng = random.Random(seed)
    members = []
    for number in range(1, count + 1):
        given, family = (LONG_NAME if number % 250 == 0 else (rng.choice(GIVEN), rng.choice(FAMILY)))
        members.append(SampleMember(number=number, given_names=given, family_name=family,
                                    street=f"{rng.choice(STREETS)} {rng.randrange(1, 140)}", postcode="01796",
                                    city="Pirna", access_code=codes.new_code()))
    return members


def _time(render: Any) -> tuple[float, float, float | None, bytes]:
    from bench.machine import cpu_sample, foreign_cpu_percent

    before = cpu_sample([os.getpid()])
    started, cpu_started = time.perf_counter(), time.process_time()
    pdf = render()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return wall, cpu, foreign_cpu_percent(before, cpu_sample([os.getpid()])), pdf


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from pypdf import PdfReader

    from kommunalschutz.foundation.registry.models import Municipality
    from kommunalschutz.surveys.projects.models import SurveyProject
    from kommunalschutz.surveys.sampling import letters

    project = SurveyProject(title="Sicherheit in Pirna 2026", field_end=dt.date(2026, 4, 30),
                            municipality=Municipality(name="Pirna, Stadt"))
    members = _members(args.letters, args.seed)
    site, day = "https://kommunalschutz.example", dt.date(2026, 3, 1)

    def render(chosen: list[Any], stamp: bool) -> bytes:
        return letters._letters_pdf(project, chosen, site_url=site, reminder=0, letter_date=day, stamp=stamp)

    render(members[:3], True)  # warm-up: imports, fonts
    wall, cpu, foreign, pdf = _time(lambda: render(members, True))
    results: dict[str, Any] = {
        "letters": args.letters, "pages": len(PdfReader(io.BytesIO(pdf)).pages), "pdf_kib": round(len(pdf) / 1024),
        "stamped_wall_s": round(wall, 2), "stamped_cpu_s": round(cpu, 2), "stamped_foreign_cpu_percent": foreign,
        "stamped_wall_per_1000_s": round(wall * GOAL_LETTERS / args.letters, 1),
        "stamped_cpu_per_1000_s": round(cpu * GOAL_LETTERS / args.letters, 1),
    }
    if args.old_letters:
        wall, cpu, foreign, _pdf = _time(lambda: render(members[:args.old_letters], False))
        results.update({"old_letters": args.old_letters, "old_wall_s": round(wall, 2), "old_cpu_s": round(cpu, 2),
                        "old_foreign_cpu_percent": foreign,
                        "old_wall_per_1000_s": round(wall * GOAL_LETTERS / args.old_letters, 1),
                        "old_cpu_per_1000_s": round(cpu * GOAL_LETTERS / args.old_letters, 1)})
    print("BENCH_RESULT " + json.dumps(results), flush=True)


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Cover letters with QR codes, per {GOAL_LETTERS:,} letters (goal: under {GOAL_S:.0f} s on 2 cores)", "",
             "| way | letters rendered | wall s per 1,000 | CPU s per 1,000 | other programs' CPU % | goal met |",
             "|---|---:|---:|---:|---:|---|"]
    for r in results["databases"].values():
        met = "yes" if r["stamped_wall_per_1000_s"] < GOAL_S else (
            "CPU yes, wall no (busy machine)" if r["stamped_cpu_per_1000_s"] < GOAL_S else "no")
        lines.append(f"| stamped (0029) | {r['letters']:,} | {r['stamped_wall_per_1000_s']} | "
                     f"{r['stamped_cpu_per_1000_s']} | {r['stamped_foreign_cpu_percent']} | {met} |")
        if "old_letters" in r:
            lines.append(f"| laid out in full (before) | {r['old_letters']:,} | {r['old_wall_per_1000_s']} | "
                         f"{r['old_cpu_per_1000_s']} | {r['old_foreign_cpu_percent']} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.survey_letters", description=__doc__)
    parser.add_argument("--letters", type=int, default=1000, help="letters rendered the new way (default 1,000)")
    parser.add_argument("--old-letters", type=int, default=100,
                        help="letters rendered the old way, scaled to 1,000 (default 100; 0: skip)")
    parser.add_argument("--no-old", action="store_true", help="skip the old way")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="200 letters, old way on 20")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(letters=200, old_letters=20)
    args = parser.parse_args(argv)
    if args.no_old:
        args.old_letters = 0
    if not 1 <= args.letters <= 20_000 or not 0 <= args.old_letters <= min(args.letters, 2000):
        parser.error("--letters 1..20,000, --old-letters 0..min(letters, 2,000)")
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    child_args = ["--letters", str(args.letters), "--old-letters", str(args.old_letters), "--seed", str(args.seed)]
    results: dict[str, Any] = {"command": "python -m bench.survey_letters" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(), "databases": {}}
    results["databases"] = deployment.per_database(
        "survey_letters", "sqlite",
        lambda kind, work_dir: deployment.run_child(kind, work_dir, "survey_letters", child_args, timeout=3600))
    deployment.write_results(args.output, results)
    print(markdown(results))


if __name__ == "__main__":
    main(sys.argv[1:])
