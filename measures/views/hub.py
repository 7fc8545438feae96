"""The entry page of the mixed integration measures: the parts each role may open, and nothing else."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cii_platform.accounts.models import User
from measures.roles import is_coordination_member, may_read_measures, may_request_places
from measures.selectors.reviews import corrective_measures_readable
from measures.services.eso_screening import eso_screening_allowed


@dataclass(frozen=True)
class Part:
    title: str
    description: str
    url_name: str
    may_open: Callable[[User], bool]


def _requests_or_group(user: User) -> bool:
    return may_request_places(user) or is_coordination_member(user)


PARTS = [
    Part(
        _("Cartographie des mesures"),
        _("Les mesures par branche et par typologie, leurs places et leurs prix."),
        "measures:inventory",
        may_read_measures,
    ),
    Part(
        _("Places par type"),
        _("L'évolution des places d'occupation, socioprofessionnelles et professionnelles."),
        "measures:places_by_kind",
        may_read_measures,
    ),
    Part(
        _("Prestataires"),
        _("Les prestataires et leur reconnaissance comme entreprise sociale (NE-ESO)."),
        "measures:providers",
        may_read_measures,
    ),
    Part(
        _("Budgets sectoriels"),
        _("Places et montants par année, mesure et secteur ; prêts de places entre secteurs."),
        "measures:budgets",
        may_read_measures,
    ),
    Part(
        _("Demandes de place"),
        _("Demander une place pour une personne suivie et suivre les demandes."),
        "measures:request_list",
        _requests_or_group,
    ),
    Part(
        _("Attribution des places"),
        _("Ouvrir un tour, calculer l'attribution optimale, simuler, ajuster et confirmer."),
        "measures:rounds",
        is_coordination_member,
    ),
    Part(
        _("Placements"),
        _("Les personnes placées, leurs dates et leurs motifs de sortie."),
        "measures:placement_list",
        _requests_or_group,
    ),
    Part(
        _("Tableau de bord mensuel"),
        _("Places budgétées et occupées, taux d'occupation et coûts par mesure et par secteur."),
        "measures:dashboard",
        may_read_measures,
    ),
    Part(
        _("Bilans annuels"),
        _("Le bilan de chaque mesure mixte avec le groupe de coordination, en PDF."),
        "measures:review_list",
        may_read_measures,
    ),
    Part(
        _("Mesures correctives"),
        _("Les corrections demandées aux prestataires, jusqu'à la décision du GP CII."),
        "measures:corrective_list",
        corrective_measures_readable,
    ),
    Part(
        _("Conventions de prestations"),
        _("Les conventions et leurs indicateurs, comparés aux valeurs cibles."),
        "measures:agreement_list",
        may_read_measures,
    ),
    Part(
        _("Dépistage NE-ESO"),
        _("Vérifier les critères du projet pilote pour une personne à l'aide sociale."),
        "measures:eso_screening",
        eso_screening_allowed,
    ),
]


@login_required
@require_GET
def measures_home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required guarantees an account
    parts = [(part, reverse(part.url_name)) for part in PARTS if part.may_open(user)]
    if not parts:
        raise Http404
    return render(request, "measures/home.html", {"parts": parts})


urlpatterns: list[URLPattern] = [path("", measures_home, name="home")]
