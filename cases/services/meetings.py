"""Recording the network meetings (séances de réseau) of a case file.

A meeting is recorded once it has taken place: dated today or earlier. The
services present must take part in the case now; the staff present must belong to
one of them; anyone else (the doctor, the person, relatives) is named in free
text. The commitments each service takes are tasks attached to the meeting
(`cases.services.action_plans.task_create` with `meeting`). Who may record: as
for the action plan. A refused input raises ValidationError (French) and changes
nothing; every recording is audited with the person's id.
"""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, Meeting
from cases.selectors.action_plans import case_active_services
from cases.services.action_plans import action_plan_ensure_open, action_plan_ensure_writer
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService


@transaction.atomic
def meeting_record(
    *,
    case: CaseFile,
    held_on: dt.date,
    services: Sequence[PartnerService],
    decisions: str,
    recorded_by: User,
    participants: Sequence[User] = (),
    other_participants: str = "",
    place: str = "",
    request: HttpRequest | None = None,
) -> Meeting:
    """Record a network meeting of `case` held on `held_on` with `services` present, and its decisions.

    `held_on` may not be in the future; `services` (at least one) must take part in
    the case now; each of `participants` must belong to one of `services`. Audited.
    """
    action_plan_ensure_writer(recorded_by, case)
    action_plan_ensure_open(case)
    errors: dict[str, str] = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _(
            "Une séance s'enregistre une fois tenue : la date ne peut pas être dans le futur. "
            "Pour préparer une séance, ajoutez une tâche au plan d'action."
        )
    if not decisions.strip():
        errors["decisions"] = _("Indiquez les décisions prises lors de la séance.")
    active = {service.pk for service in case_active_services(case=case)}
    present = {service.pk for service in services}
    if not present:
        errors["services"] = _("Indiquez au moins un service présent.")
    elif not present <= active:
        names = ", ".join(sorted(service.name for service in services if service.pk not in active))
        errors["services"] = _("Ces services ne participent pas au dossier : %(names)s.") % {"names": names}
    strangers = [person for person in participants if person.service_id not in present]
    if strangers and "services" not in errors:
        errors["participants"] = _(
            "Chaque participant·e doit appartenir à un service présent : cochez aussi son service, "
            "ou nommez la personne dans « autres participant·es »."
        )
    if errors:
        raise ValidationError(errors, code="invalid")
    meeting = Meeting(
        case=case,
        held_on=held_on,
        place=place.strip(),
        other_participants=other_participants.strip(),
        decisions=decisions.strip(),
        recorded_by=recorded_by,
    )
    meeting.full_clean()
    meeting.save()
    meeting.services.set(list(services))
    meeting.participants.set(list(participants))
    audit_record(
        action=AuditAction.CREATE,
        actor=recorded_by,
        obj=meeting,
        person_id=str(case.person_id),
        request=request,
        detail={
            "case": case.reference,
            "held_on": held_on.isoformat(),
            "services": sorted(service.code for service in services),
        },
    )
    return meeting
