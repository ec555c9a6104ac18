"""The demo's thread of online comments: 200 synthetic comments under the Pirna mayor's post, imported into
her case through the JSON path of the bulk import, ranked by the triage model, a few decided by the case team.

Every comment is made up here from fixed building blocks with a fixed seed (nothing is taken from real
posts); the authors are "(synthetisch)" and the case carries the synthetic badge. The share of hostile
comments follows KoMo's picture of online hostility: most comments are harmless or critical, a minority
insult, abuse or threaten.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

THREAD_URL = "https://www.facebook.com/beispiel/posts/1"
SIZE = 200
SEED = 2026

FRIENDLY = (
    "Danke für Ihren Einsatz, Frau Bürgermeisterin!", "Gute Entscheidung, endlich passiert was beim Haushalt.",
    "Ich finde den Vorschlag zur Schulsanierung richtig.", "Wann ist die nächste Bürgersprechstunde?",
    "Super, dass die Bibliothek länger offen hat.", "Vielen Dank für die ausführliche Erklärung.",
    "Kann man die Unterlagen zur Sitzung irgendwo einsehen?", "Weiter so, die Stadt braucht das.",
    "Die neue Buslinie ist ein Gewinn für unser Viertel.", "Ich war bei der Sitzung, war sachlich und informativ.",
    "Bitte auch an die Radwege denken.", "Danke für die schnelle Antwort auf meine Mail.",
)
CRITICAL = (
    "Ich halte die Erhöhung der Grundsteuer für falsch.", "Das Geld wäre bei den Kitas besser aufgehoben.",
    "Warum wurde der Bürgerentscheid nicht abgewartet?", "Die Begründung überzeugt mich nicht.",
    "Ich bin enttäuscht von dieser Entscheidung des Stadtrats.", "Die Parkgebühren sind zu hoch, bitte überdenken.",
    "Schon wieder eine Baustelle am Markt, das nervt.", "Die Kommunikation der Stadt war diesmal schlecht.",
)
INSULTS = (
    "Sie sind eine Schande für diese Stadt.", "Unfähige Versagerin, treten Sie zurück!",
    "Was für eine dumme Kuh im Rathaus.", "Diese Bürgermeisterin ist einfach nur peinlich und inkompetent.",
    "Lügnerin! Nichts als Lügen von dieser Frau.", "Korrupte Bande da im Rathaus.",
    "Sie Heuchlerin haben doch keine Ahnung.", "So ein Idiot hat im Rathaus nichts verloren.",
)
ABUSE = (
    "Dieses ganze Pack im Stadtrat gehört entsorgt.", "Volksverräter, alle miteinander.",
    "Das linke Gesindel ruiniert unsere Stadt.", "Abschaum, diese ganzen Politiker.",
    "Die Altparteien-Marionetten gehören weggesperrt.", "Dreckspack, alle raus aus dem Rathaus.",
)
PROFANITY = (
    "Scheiß Entscheidung, echt jetzt.", "Was für ein Mist, verdammte Scheiße.",
    "So ein Scheißdreck, ich fass es nicht.",
)
THREATS = (
    "Wir wissen, wo Sie wohnen.", "Nach der nächsten Sitzung holen wir Sie ab.",
    "Passen Sie gut auf sich auf, man sieht sich.", "Irgendwann erwischt es Sie auch.",
)
OPENERS = ("", "", "", "Ehrlich, ", "Also mal ehrlich: ", "Ganz ehrlich, ", "Mal so gesagt: ")
ENDINGS = ("", "", "", " 😡", " !!!", " …", " 👍", " #Pirna")
# (building blocks, share of the thread)
KINDS = ((FRIENDLY, 0.42), (CRITICAL, 0.24), (INSULTS, 0.16), (ABUSE, 0.09), (PROFANITY, 0.05), (THREATS, 0.04))


def thread(*, now: dt.datetime, size: int = SIZE, seed: int = SEED) -> list[dict[str, Any]]:
    """``size`` synthetic comments in the shape of a Facebook Graph export (message, created_time, from.name,
    permalink_url), posted over the two weeks before ``now``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    blocks = [kind for kind, _share in KINDS]
    shares = [share for _kind, share in KINDS]
    start = now - dt.timedelta(days=14)
    comments: list[dict[str, Any]] = []
    for number in range(1, size + 1):
        kind = rng.choices(blocks, weights=shares)[0]
        text = rng.choice(OPENERS) + rng.choice(kind) + rng.choice(ENDINGS)
        if rng.random() < 0.2:
            text += " " + rng.choice(rng.choices(blocks, weights=shares)[0])
        posted = start + dt.timedelta(minutes=int(rng.uniform(0, 13 * 24 * 60)))
        comments.append({
            "id": f"1_{number}",
            "message": text[:1].upper() + text[1:],
            "created_time": posted.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "from": {"name": f"Leser{rng.randint(1, 60):03d} (synthetisch)"},
            "permalink_url": f"{THREAD_URL}/kommentar/{number}",
        })
    comments.sort(key=lambda comment: str(comment["created_time"]))
    return comments


def load_thread(*, case: Any, actor: Any, decider: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """Import the synthetic thread into ``case`` as ``actor`` would (JSON export, columns as guessed) and let
    ``decider`` confirm the model's suggestion on the ten likeliest comments, with a legal category."""
    from kommunalschutz.protection.onlinehate import selectors, services
    from kommunalschutz.protection.onlinehate.models import LegalCategory, Task1

    now = now or timezone.now()
    content = json.dumps({"data": thread(now=now)}, ensure_ascii=False, indent=1).encode("utf-8")
    upload = SimpleUploadedFile("kommentare-facebook-synthetisch.json", content, content_type="application/json")
    thread_import = services.upload_export(case=case, actor=actor, upload=upload, platform="Facebook",
                                           url=THREAD_URL, captured_at=now - dt.timedelta(hours=2), by_reporter=True)
    services.import_export(thread_import=thread_import, actor=actor, mapping=thread_import.mapping)
    decided = 0
    for row in selectors.triage_rows(case, "offen")[:10]:
        if not row.predicted_task1:
            break
        row = services.confirm_suggestion(triaged=row, actor=decider)
        if row.label_task1 == Task1.OFFENSE:
            threat = any(sentence in row.item.content_text for sentence in THREATS)
            services.decide(triaged=row, actor=decider, task1=row.label_task1, task2=row.label_task2,
                            legal_category=LegalCategory.THREAT if threat else LegalCategory.INSULT)
        decided += 1
    return {"thread_comments": SIZE, "thread_decided": decided}
