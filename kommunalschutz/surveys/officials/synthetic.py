"""Synthetic answers for a wave in the field (demo, tests, benchmarks), marked synthetic.

The answers follow KoMo's published shares for mayors and district administrators (about 38 % affected per
half-year, autumn 2023; of those affected about 72 % verbal or written, 26 % online, 2 % physical; 83 %
psychologically strained, 9 % considering resigning, 10 % not standing again; about 11 % of incidents
reported to the police) with invented differences by role. They are submitted through the same path as a
respondent's (answering.submit_with_code / submit_with_link), so they are validated and stored like real
answers. Deterministic for a seed.
"""

from __future__ import annotations

import random
from typing import Any

from kommunalschutz.surveys.officials import answering
from kommunalschutz.surveys.officials.models import FrameEntry, OfficialRole, OpenLink, Wave

# Invented, KoMo-like parameters per role: (response propensity, share affected in the half-year).
ROLE_PARAMETERS: dict[str, tuple[float, float]] = {
    OfficialRole.MAYOR_FULL_TIME: (0.62, 0.44),
    OfficialRole.MAYOR_HONORARY: (0.48, 0.31),
    OfficialRole.DISTRICT_ADMINISTRATOR: (0.80, 0.60),
    OfficialRole.COUNCIL_MEMBER: (0.38, 0.27),
    OfficialRole.HONORARY_OFFICIAL: (0.40, 0.20),
    OfficialRole.STAFF: (0.45, 0.24),
}


def answers_for(role: str, rng: random.Random) -> dict[str, Any]:
    """One invented answer sheet for an official of ``role``."""
    _propensity, share = ROLE_PARAMETERS[role]
    affected = rng.random() < share
    answers: dict[str, Any] = {}
    if affected:
        forms = {"exp_verbal": rng.random() < 0.80, "exp_threat": rng.random() < 0.30,
                 "exp_physical": rng.random() < 0.04, "exp_online": rng.random() < 0.35}
        if not any(forms.values()):
            forms["exp_verbal"] = True
    else:
        forms = dict.fromkeys(("exp_verbal", "exp_threat", "exp_physical", "exp_online"), False)
    for code, value in forms.items():
        answers[code] = 1 if value else 2
    answers["exp_property"] = 1 if affected and rng.random() < 0.08 else 2
    answers["exp_family"] = 1 if affected and rng.random() < 0.15 else 2
    if affected:
        incidents = 1 + min(int(rng.expovariate(1 / 2.2)), 40)
        answers["exp_count"] = incidents
        answers["last_kind"] = rng.choices(range(1, 8), weights=(42, 30, 12, 4, 2, 5, 5))[0]
        answers["last_channel"] = rng.choices(range(1, 8), weights=(20, 12, 10, 17, 18, 29, 4))[0]
        reported = sum(1 for _ in range(incidents) if rng.random() < 0.11)
        if reported == 0:
            answers["reported_police"] = 3
        else:
            answers["reported_police"] = 1 if reported == incidents else 2
            answers["reported_count"] = reported
        if answers["reported_police"] in (2, 3):
            answers["why_not_reported"] = sorted(rng.sample(range(1, 10), k=rng.randint(1, 3)))
        answers["reported_elsewhere"] = sorted(rng.sample(range(1, 5), k=rng.randint(1, 2)))
        answers["cons_strain"] = 1 if rng.random() < 0.83 else 2
        answers["support_received"] = sorted(rng.sample(range(1, 8), k=rng.randint(1, 2)))
    answers["cons_fear"] = 1 if rng.random() < (0.35 if affected else 0.12) else 2
    answers["cons_protection"] = [6] if not affected or rng.random() < 0.4 else sorted(rng.sample(range(1, 6), k=2))
    answers["cons_withdrawal"] = 1 if affected and rng.random() < 0.30 else 2
    answers["cons_not_stand"] = 1 if affected and rng.random() < 0.10 else rng.choice((2, 2, 2, 3))
    answers["cons_resign"] = 1 if affected and rng.random() < 0.09 else 2
    answers["support_wanted"] = sorted(rng.sample(range(1, 8), k=rng.randint(1, 3)))
    answers["gender"] = rng.choices((1, 2, 3, 4), weights=(28, 68, 1, 3))[0]
    return answers


def answer_wave(wave: Wave, *, seed: int, link_tokens: dict[int, str] | None = None) -> int:
    """Answer a wave in the field: each official of the frame with the role's propensity (by the code on
    their letter), and each open link with as many answers as that propensity gives of the persons
    addressed (``link_tokens`` maps the link's id to its token). Returns the number of answers."""
    rng = random.Random(seed)  # noqa: S311 - invented demo data, reproducible by its seed
    count = 0
    for entry in FrameEntry.objects.filter(wave=wave, used=False).filter(code_digest__isnull=False).order_by("pk"):
        propensity, _share = ROLE_PARAMETERS[entry.role]
        if rng.random() < propensity:
            answering.submit_with_code(code=entry.code, answers=answers_for(entry.role, rng))
            count += 1
    for link in OpenLink.objects.filter(wave=wave, revoked_at__isnull=True).order_by("pk"):
        token = (link_tokens or {}).get(link.pk) or link.token
        propensity, _share = ROLE_PARAMETERS[link.role]
        for _ in range(sum(1 for _ in range(link.addressed) if rng.random() < propensity)):
            answering.submit_with_link(token=token, answers=answers_for(link.role, rng))
            count += 1
    return count


def council_list(municipality_name: str, size: int, *, seed: int) -> bytes:
    """An invented list of council members as a municipality uploads it (UTF-8, ``;``)."""
    rng = random.Random(seed)  # noqa: S311 - invented demo data, reproducible by its seed
    given = ("Anna", "Katrin", "Sabine", "Ute", "Thomas", "Michael", "Andreas", "Frank", "Jens", "Steffen")
    family = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Richter", "Böhme", "Seidel", "Förster")
    rows = ["Name;Rolle;Straße;PLZ;Ort"]
    for index in range(size):
        rows.append(f"{rng.choice(given)} {rng.choice(family)};Gemeinderat;Musterweg {index + 1};01234;"
                    f"{municipality_name}")
    return ("\n".join(rows) + "\n").encode("utf-8")
