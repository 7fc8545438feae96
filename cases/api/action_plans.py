"""Task API: the tasks of a case's action plan; adding one, marking one done, cancelling one.

Everyone who sees the case reads its tasks (as on the plan page). Writing follows
the plan's pages (`action_plan_case_get(write=True)`): a caseworker of a service
taking part in the case right now; anyone else gets the 404 of a missing case.
Only the task's service or the lead service settles a task; another service
that may write on the plan gets the 404 of a missing task, as on the pages.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.common import (
    CASE_PART_PREFIX,
    CURSOR_PARAMETER,
    ID_PARAMETER,
    REFERENCE_PARAMETER,
    CasePartViewSet,
    ServiceCodeField,
)
from cases.models import CaseFile, Goal, Meeting, Task
from cases.selectors.action_plans import (
    action_plan_case_get,
    action_plan_may_write,
    assignable_caseworkers,
    case_active_services,
    task_get_for_case,
    tasks_mark,
    tasks_of_case,
)
from cases.services.action_plans import task_cancel, task_complete, task_create
from cii_platform.accounts.models import User
from cii_platform.core.api import service_refusals
from cii_platform.partners.models import PartnerService


class TaskSerializer(serializers.ModelSerializer):
    assigned_service = ServiceCodeField(read_only=True, help_text=_("Service responsable (code)."))
    assigned_to: serializers.StringRelatedField = serializers.StringRelatedField(
        help_text=_("Intervenant·e responsable, s'il y en a un·e.")
    )
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Encore à faire et l'échéance est passée."))
    days_late = serializers.IntegerField(read_only=True, help_text=_("Jours de retard (0 si pas en retard)."))
    can_settle = serializers.BooleanField(
        read_only=True, help_text=_("L'appelant·e peut marquer la tâche faite ou l'annuler.")
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "status",
            "due_on",
            "done_on",
            "assigned_service",
            "assigned_to",
            "goal",
            "meeting",
            "created_at",
            "is_overdue",
            "days_late",
            "can_settle",
        ]


class TaskCreateSerializer(serializers.Serializer):
    """What the task form asks; the service checks the rest (date, services taking part) in French."""

    title = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("La tâche."))
    assigned_service = ServiceCodeField(
        queryset=PartnerService.objects.all(), help_text=_("Service responsable (code) ; il participe au dossier.")
    )
    due_on = serializers.DateField(help_text=_("Échéance (AAAA-MM-JJ), pas dans le passé."))
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Identifiant d'un·e intervenant·e actif·ve du service responsable (facultatif)."),
    )
    goal = serializers.PrimaryKeyRelatedField(
        queryset=Goal.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Objectif du dossier (facultatif)."),
    )
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Séance où l'engagement a été pris (facultatif)."),
    )

    def __init__(self, *args: Any, case: CaseFile | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case is not None:
            # The choices of the task form: the caseworkers, goals and meetings of this case only.
            fields: Any = self.fields
            fields["assigned_to"].queryset = assignable_caseworkers(services=case_active_services(case=case))
            fields["goal"].queryset = Goal.objects.filter(case=case)
            fields["meeting"].queryset = Meeting.objects.filter(case=case)


class TaskCompleteSerializer(serializers.Serializer):
    done_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Faite le (AAAA-MM-JJ) ; aujourd'hui par défaut.")
    )


@extend_schema(parameters=[REFERENCE_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("Tâches du plan d'action"),
        description=_(
            "Les tâches du dossier, les plus récentes d'abord, avec leur retard et ce que l'appelant·e peut en "
            "faire. Un dossier invisible répond 404 comme un dossier inexistant."
        ),
        parameters=[CURSOR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=_("Une tâche"), description=_("Une tâche d'un autre dossier répond 404."), parameters=[ID_PARAMETER]
    ),
    create=extend_schema(
        summary=_("Ajouter une tâche"),
        description=_(
            "Réservé aux intervenant·e·s d'un service qui participe au dossier ; les autres reçoivent 404. "
            "Une saisie refusée répond 400 avec les messages en français et n'enregistre rien."
        ),
        request=TaskCreateSerializer,
        responses={201: TaskSerializer},
    ),
    complete=extend_schema(
        summary=_("Marquer une tâche faite"),
        description=_("Réservé au service responsable de la tâche et au service pilote ; les autres reçoivent 404."),
        request=TaskCompleteSerializer,
        responses={200: TaskSerializer},
        parameters=[ID_PARAMETER],
    ),
    cancel=extend_schema(
        summary=_("Annuler une tâche"),
        description=_("Réservé au service responsable de la tâche et au service pilote ; les autres reçoivent 404."),
        request=None,
        responses={200: TaskSerializer},
        parameters=[ID_PARAMETER],
    ),
)
class TaskViewSet(CasePartViewSet):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the schema; the selectors decide what is read

    def _marked(self, case: CaseFile, tasks: list[Task]) -> list[Task]:
        may_write = getattr(case, "may_write", None)
        if may_write is None:
            may_write = action_plan_may_write(user=self.user, case=case)
        tasks_mark(tasks, user=self.user, case=case, may_write=may_write, today=timezone.localdate())
        return tasks

    def _case_for_writing(self) -> CaseFile:
        return action_plan_case_get(
            user=self.user,
            reference=self.reference,
            request=self.request,  # type: ignore[arg-type]
            write=True,
            audit_read=False,
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return self.page_of(tasks_of_case(case=case), mark=lambda rows: self._marked(case, rows))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        task = task_get_for_case(case=case, pk=self.row_id)
        return Response(self.get_serializer(self._marked(case, [task])[0]).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case_for_writing()
        given = TaskCreateSerializer(data=request.data, case=case)
        given.is_valid(raise_exception=True)
        with service_refusals():
            task = task_create(case=case, created_by=self.user, request=request, **given.validated_data)  # type: ignore[arg-type]
        return Response(self.get_serializer(self._marked(case, [task])[0]).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case_for_writing()
        task = task_get_for_case(case=case, pk=self.row_id)
        given = TaskCompleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            task_complete(task=task, done_by=self.user, done_on=given.validated_data["done_on"], request=request)  # type: ignore[arg-type]
        return Response(self.get_serializer(self._marked(case, [task])[0]).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case_for_writing()
        task = task_get_for_case(case=case, pk=self.row_id)
        with service_refusals():
            task_cancel(task=task, cancelled_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(self.get_serializer(self._marked(case, [task])[0]).data)


router_registrations = [(f"{CASE_PART_PREFIX}/tasks", TaskViewSet, "case-task")]
