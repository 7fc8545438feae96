"""The case summary for a network meeting (séance de réseau), as a PDF.

Whoever may read a case file may request its summary; it holds only what the
requester may see. The content is read in the worker, at render time, with the
requester's rights (`job.requested_by`) through the selectors that build the case
page (`cases.selectors.case_files.case_page_context`): nothing here decides
visibility again. A requester who can no longer see the case (consent revoked)
gets a failed job and no content, and their earlier summaries of that case are
neither listed nor downloadable any more (`may_see_job`, `visible_jobs`).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, Task
from cases.selectors.case_files import case_get_for_reading, case_page_context
from cii_platform.access import access_filter_visible, access_group_ids
from cii_platform.accounts.models import User
from cii_platform.reports.models import ReportJob
from cii_platform.reports.registry import ReportUnavailable

PARAMETERS = frozenset({"case", "reference", "person"})


def may_see(user: User) -> bool:
    """Whether `user` reaches case files at all (through their service); which case is `may_see_job`'s question."""
    return user.is_active and bool(access_group_ids(user))


def _case_id(parameters: Mapping[str, Any]) -> int | None:
    value = str(parameters.get("case") or "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def may_see_job(user: User, parameters: Mapping[str, Any]) -> bool:
    """Whether `user` may see the case file of the job right now (one query)."""
    case_id = _case_id(parameters)
    if case_id is None:
        return False
    return access_filter_visible(user=user, queryset=CaseFile.objects.filter(pk=case_id)).exists()


def visible_jobs(user: User) -> Q:
    """`may_see_job` for lists: the summaries whose case file `user` may see now, as one EXISTS sub-query."""
    if not access_group_ids(user):
        return Q(pk__in=[])
    # `case` holds digits only (see `clean_parameters`); other kinds have no such key (NULL, no match).
    case_id = Cast(KeyTextTransform("case", OuterRef("parameters")), BigIntegerField())
    return Q(Exists(access_filter_visible(user=user, queryset=CaseFile.objects.filter(pk=case_id))))


def clean_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`case` (the id of an existing case file) → the stored `case`, `reference` and `person` (ids and reference).

    The person's id lets the request and each download be audited under the
    person. Raises ValidationError for an unknown parameter or case. Whether the
    requester may see the case is `may_see_job`'s answer, asked next.
    """
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise ValidationError(_("Paramètres inconnus : %(names)s.") % {"names": ", ".join(sorted(unknown))})
    case_id = _case_id(parameters)
    row = CaseFile.objects.filter(pk=case_id).values("reference", "person_id").first() if case_id else None
    if row is None:
        raise ValidationError({"case": _("Dossier inconnu.")}, code="unknown_case")
    return {"case": str(case_id), "reference": row["reference"], "person": str(row["person_id"])}


def summary(job: ReportJob) -> list[tuple[str, str]]:
    """The job's parameters in French: the case reference."""
    return [(_("Dossier"), job.parameters["reference"])]


def filename(job: ReportJob) -> str:
    """The file name of the PDF: the case reference and the job id, no personal data."""
    return f"resume-seance-reseau-{job.parameters['reference']}-{job.pk}.pdf"


def _access_lost() -> ReportUnavailable:
    return ReportUnavailable(
        _(
            "Le résumé n'a pas été produit : vous n'avez plus accès à ce dossier (par exemple, le consentement "
            "qui fondait l'accès de votre service a été révoqué)."
        )
    )


def build_context(job: ReportJob) -> dict[str, Any]:
    """What the requester may see of the case now, read as the case page reads it (the read is audited).

    Raises `ReportUnavailable` if the requester may no longer see the case.
    """
    user = job.requested_by
    try:
        case = case_get_for_reading(user=user, reference=job.parameters["reference"])
    except Http404:
        raise _access_lost() from None
    if case.pk != _case_id(job.parameters):
        raise _access_lost()
    page = case_page_context(user=user, case=case)
    plan = page["action_plan"]
    goals = [
        {"goal": goal, "open_tasks": [task for task in goal.task_list if task.status == Task.Status.OPEN]}
        for goal in plan["goals"]
    ]
    collaboration = page["collaboration"]
    return {
        "job": job,
        "requested_by": user,
        "generated_at": timezone.now(),
        "case": case,
        "person": page["person"],
        "benefits": page["benefits"],
        "participations": page["sharing"]["participations"],
        "assessment_summary": page["assessment_summary"],
        "goals": goals,
        "loose_open_tasks": [task for task in plan["loose_tasks"] if task.status == Task.Status.OPEN],
        "open_count": plan["open_count"],
        "overdue_count": plan["overdue_count"],
        "meetings": plan["meetings"],
        "more_meetings": plan["more_meetings"],
        "journal": collaboration["journal"],
        "journal_more": collaboration["journal_more"],
        "referrals": collaboration["referrals"],
    }
