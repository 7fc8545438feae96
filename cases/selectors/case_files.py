"""Reading case files, always starting from what the user may see."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from cases.models import CaseFile, CaseStatus, StatusChange
from cii_platform.access import (
    Capability,
    access_can,
    access_filter_visible,
    access_get_or_404,
    access_legal_basis,
    access_mark_can_change,
)
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import KeysetPage, keyset_page, parse_cursor


def case_list_visible(*, user: User | None, before_id: int | None = None) -> QuerySet[CaseFile]:
    """The case files `user` may see, newest first; with `before_id`, only those with a smaller id."""
    visible = access_filter_visible(
        user=user, queryset=CaseFile.objects.select_related("lead_service", "person", "programme"), pk_below=before_id
    )
    return visible.order_by("-id")


def case_page_visible(*, user: User | None, after: str | None, size: int = 50) -> KeysetPage[CaseFile]:
    """One page of the case files `user` may see, after the cursor `after`, each with `can_change`."""
    page = keyset_page(case_list_visible(user=user, before_id=parse_cursor(after)), after=None, size=size)
    access_mark_can_change(user=user, objects=page.rows)
    return page


def case_get_for_reading(*, user: User | None, reference: str, request: HttpRequest | None = None) -> CaseFile:
    """The case file `reference` if `user` may see it (Http404 otherwise), with `can_change`; the read is audited."""
    case = access_get_or_404(
        user=user,
        queryset=CaseFile.objects.select_related("lead_service", "person", "programme", "case_manager"),
        request=request,
        reference=reference,
    )
    case.can_change = access_can(user=user, obj=case, capability=Capability.CHANGE)  # type: ignore[attr-defined]
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=case,
        person_id=str(case.person_id),
        legal_basis=access_legal_basis(user=user, obj=case),
        request=request,
    )
    return case


def case_page_context(*, user: User | None, case: CaseFile) -> dict[str, Any]:
    """What the case page shows of `case` (already read through `case_get_for_reading`)."""
    from cases.forms.case_files import TransitionForm
    from cases.selectors.action_plans import action_plan_for
    from cases.selectors.assessments import assessment_summary_for
    from cases.selectors.indicators import follow_up_section_for
    from cases.selectors.journal import case_collaboration_for
    from cases.selectors.participations import case_sharing_for
    from cases.services.case_files import TRANSITIONS

    history = list(StatusChange.objects.filter(case=case).select_related("changed_by").order_by("changed_at", "id"))
    next_steps = [CaseStatus(status) for status in TRANSITIONS[case.status]]
    benefits = [
        label
        for flag, label in (
            (case.receives_unemployment, "AC"),
            (case.receives_disability, "AI"),
            (case.receives_social_assistance, "AS"),
        )
        if flag
    ]
    return {
        "case": case,
        "person": case.person,
        "benefits": benefits,
        "history": history,
        "next_steps": sorted(next_steps, key=lambda status: list(CaseStatus).index(status)),
        "transition_form": TransitionForm(initial={"version": case.version}),
        "assessment_summary": assessment_summary_for(case=case, user=user),
        "sharing": case_sharing_for(user=user, case=case),
        "action_plan": action_plan_for(user=user, case=case),
        "collaboration": case_collaboration_for(user=user, case=case),
        "follow_up": follow_up_section_for(user=user, case=case),
        # Templates of the other parts of the case file, each with its own context above.
        "sections": [
            "cases/action_plans/_case_section.html",
            "cases/assessments/_case_section.html",
            "cases/journal/_case_section.html",
            "cases/consents/_case_section.html",
            "cases/indicators/_case_section.html",
        ],
    }
