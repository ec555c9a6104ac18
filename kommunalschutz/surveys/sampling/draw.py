"""Drawing the sample from the imported register extract: simple random or stratified, reproducible.

The frame's stratum ids and rows are read from the extract's encrypted chunks; only the chunks that hold
a drawn person are decrypted. The sample is written in one transaction with its audit row and moves the
project from preparation to sampling.
"""

from __future__ import annotations

import json
import secrets
import zlib
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.encryption import decrypt_bytes
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.sampling import codes
from kommunalschutz.surveys.sampling.models import RegisterChunk, RegisterExtract, Sample, SampleMember
from kommunalschutz.surveys.sampling.register import current_extract

MAX_SEED = 2**63 - 1


def _row_chunks(extract: RegisterExtract) -> Any:
    return extract.chunks.filter(kind=RegisterChunk.Kind.ROWS).order_by("index")


def frame_strata(extract: RegisterExtract) -> Any:
    """The stratum id of every person of the frame, in file order (numpy uint32)."""
    parts = [np.frombuffer(decrypt_bytes(bytes(strata)), dtype=np.uint32)
             for strata in _row_chunks(extract).values_list("strata", flat=True).iterator()]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)


def allocate(counts: list[int], size: int) -> list[int]:
    """Proportional allocation of ``size`` to strata of ``counts`` persons, by largest remainder; every
    non-empty stratum gets at least one when ``size`` allows (taken from the largest allocations)."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    exact = [size * count / total for count in counts]
    shares = [int(value) for value in exact]
    left = size - sum(shares)
    order = sorted(range(len(counts)), key=lambda h: (-(exact[h] - shares[h]), h))
    for h in order[:left]:
        shares[h] += 1
    nonempty = [h for h, count in enumerate(counts) if count > 0]
    if size >= len(nonempty):
        for h in nonempty:
            if shares[h] == 0:
                donor = max((g for g in nonempty if shares[g] > 1), key=lambda g: (shares[g], -g))
                shares[donor] -= 1
                shares[h] = 1
    return shares


def select(strata: Any, method: str, size: int, seed: int) -> tuple[Any, Any, Any]:
    """(selected frame positions, their design weights, their letter numbers) - reproducible from seed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    total = len(strata)
    if method == Sample.Method.SIMPLE:
        chosen = np.sort(rng.choice(total, size=size, replace=False))
        weights = np.full(size, total / size)
    else:
        counts = np.bincount(strata).tolist() if total else []
        shares = allocate(counts, size)
        picked, picked_weights = [], []
        by_stratum = np.argsort(strata, kind="stable")  # positions grouped by stratum, in file order
        ends = np.cumsum(counts)
        for h, (count, share) in enumerate(zip(counts, shares, strict=True)):
            if share == 0:
                continue
            members = by_stratum[ends[h] - count:ends[h]]
            picked.append(rng.choice(members, size=share, replace=False))
            picked_weights.append(np.full(share, count / share))
        chosen_unsorted = np.concatenate(picked)
        order = np.argsort(chosen_unsorted, kind="stable")
        chosen = chosen_unsorted[order]
        weights = np.concatenate(picked_weights)[order]
    # Letter numbers in random order: the number on a returned form tells nothing about the person.
    numbers = rng.permutation(size) + 1
    return chosen, weights, numbers


def _persons_at(extract: RegisterExtract, positions: Any) -> dict[int, list[str]]:
    """The frame's rows at sorted positions, decrypting only the chunks that hold one."""
    found: dict[int, list[str]] = {}
    start = 0
    wanted = positions.tolist()
    cursor = 0
    for row_count, payload in _row_chunks(extract).values_list("row_count", "payload").iterator():
        end = start + row_count
        if cursor < len(wanted) and wanted[cursor] < end:
            rows = json.loads(zlib.decompress(decrypt_bytes(bytes(payload))))
            while cursor < len(wanted) and wanted[cursor] < end:
                found[wanted[cursor]] = rows[wanted[cursor] - start]
                cursor += 1
        start = end
    return found


def draw_sample(*, actor: Actor, project: SurveyProject, method: str, size: int, seed: int | None = None) -> Sample:
    """Draw the sample from the imported extract: simple random or stratified (locality x age group x
    sex, proportional). The same seed on the same extract draws the same persons."""
    errors: Errors = {}
    extract = current_extract(project)
    if Sample.objects.filter(project=project).exists():
        add_error(errors, "__all__", _("The sample of this survey has been drawn already."))
    if extract is None:
        add_error(errors, "__all__", _("Please import a register extract first."))
    if method not in Sample.Method.values:
        add_error(errors, "method", _("Please choose a sampling method."))
    if size < 1:
        add_error(errors, "size", _("The sample needs at least one person."))
    elif extract is not None and size > extract.rows_in_frame:
        add_error(errors, "size", _("The sampling frame has only %(count)s persons.")
                  % {"count": extract.rows_in_frame})
    if seed is not None and not 0 <= seed <= MAX_SEED:
        add_error(errors, "seed", _("The seed must be a whole number between 0 and 9223372036854775807."))
    raise_if_errors(errors)
    assert extract is not None
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    strata = frame_strata(extract)
    chosen, weights, numbers = select(strata, method, size, seed)
    persons = _persons_at(extract, chosen)
    labels = extract.strata
    with transaction.atomic():
        # One sample per project: the project row is locked and the check repeated, so of two draws
        # at the same moment the second is refused instead of failing on the one-to-one constraint.
        SurveyProject.objects.select_for_update().filter(pk=project.pk).first()
        if Sample.objects.filter(project=project).exists():
            raise_if_errors({"__all__": [_("The sample of this survey has been drawn already.")]})
        sample = Sample.objects.create(
            project=project, method=method, size=size, seed=seed, population_size=len(strata),
            drawn_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        members = []
        for position, weight, number in zip(chosen.tolist(), weights.tolist(), numbers.tolist(), strict=True):
            family, given, street, postcode, city = persons[position]
            locality, group, sex = labels[int(strata[position])]
            code = codes.new_code()
            members.append(SampleMember(
                sample=sample, number=number, locality=locality, age_group=group, sex=sex, design_weight=weight,
                status=SampleMember.Status.DRAWN, family_name=family, given_names=given, street=street,
                postcode=postcode, city=city, access_code=code, code_digest=codes.digest(code),
            ))
        SampleMember.objects.bulk_create(members, batch_size=500)
        audit.record_create(actor=actor, obj=sample, summary=f"sample drawn: {size} of {len(strata)} persons "
                                                             f"({method}, seed {seed})")
        if project.status == SurveyProject.Status.PREPARATION:
            before = audit.snapshot(project, ["status"])
            project.status = SurveyProject.Status.SAMPLING
            project.save(update_fields=["status"])
            audit.record_update(actor=actor, obj=project, before=before)
        sync_phases(actor=actor, project=project)
    return sample
