"""Mixed integration measures: providers, measures and their places, sectoral budgets, place requests,
allocation rounds, placements, monthly figures, yearly reviews, corrective measures, service agreements.

The coordination group (one delegate per sector) shares the places of the measures several services
use. A *sector* is who pays a place (LACI, MIP, SAS, SMIG, and OAI or SFPO when they buy places);
each sector is represented by the delegate of one partner service (`SECTOR_SERVICE`).
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    OCCUPATION = "occupation", _("occupation")
    SOCIO_PROFESSIONAL = "socio_professional", _("socioprofessionnelle")
    PROFESSIONAL = "professional", _("professionnelle")


class Sector(models.TextChoices):
    LACI = "laci", _("LACI (assurance-chômage)")
    MIP = "mip", _("MIP (mesures d'intégration professionnelle)")
    SAS = "sas", _("SAS (aide sociale)")
    SMIG = "smig", _("SMIG (migration)")
    OAI = "oai", _("OAI (assurance-invalidité)")
    SFPO = "sfpo", _("SFPO (formation professionnelle)")


SECTOR_SERVICE: dict[str, str] = {
    Sector.LACI: "semp",
    Sector.MIP: "semp",
    Sector.SAS: "saso",
    Sector.SMIG: "smig",
    Sector.OAI: "oai",
    Sector.SFPO: "sfpo",
}
"""The partner service (code) whose coordination-group delegate speaks for each sector."""

MONTHLY_REPORT_SECTORS: tuple[str, ...] = (Sector.LACI, Sector.MIP, Sector.SAS, Sector.SMIG)
"""Sectors whose monthly figures go to SEMP's dashboard of mixed programmes (the mandate excepts SFPO and OAI)."""


class Typology(models.TextChoices):
    """The cantonal typology, from preventive measures to placement measures."""

    PREVENTIVE = "1_preventive", _("1 · mesure préventive")
    ORIENTATION = "2_orientation", _("2 · orientation et évaluation")
    STABILISATION = "3_stabilisation", _("3 · occupation et stabilisation")
    QUALIFICATION = "4_qualification", _("4 · qualification et formation")
    PLACEMENT = "5_placement", _("5 · mesure de placement")


class Branch(models.Model):
    """A branch of the SECO nomenclature of labour-market measures (reference data)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("branche"), max_length=120)
    is_pilot = models.BooleanField(_("branche pilote"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("branche")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name


class EsoStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("non évaluée")
    RECOGNISED = "recognised", _("reconnue NE-ESO")
    NOT_RECOGNISED = "not_recognised", _("non reconnue")


class EsoCriterion(models.TextChoices):
    """The GP CII's criteria of a social enterprise (annexe 4 of the mandate, 19.02.2008, consolidated 2010)."""

    OPEN_ENDED_CONTRACTS = "open_ended_contracts", _("Contrats de travail de durée indéterminée")
    ANSWERS_EXCLUSION = "answers_exclusion", _("Réponse à l'exclusion du premier marché de l'emploi")
    SELF_FINANCING = "self_financing", _("Taux d'autofinancement le plus élevé possible")
    MARKET_PRODUCTION = "market_production", _("Production orientée vers le marché habituel, une niche ou un créneau")
    CONTINUOUS_PRODUCTION = (
        "continuous_production",
        _("Activité de production continue, avec autonomie et prise de risque économique"),
    )
    ADEQUATE_SUPERVISION = "adequate_supervision", _("Personnel d'encadrement adéquat (formation et dotation)")
    USUAL_WAGES = "usual_wages", _("Salarié·e·s avec contrat de travail et salaire conventionnel ou d'usage")
    PRODUCTION_SUPPORTS_INTEGRATION = (
        "production_supports_integration",
        _("L'activité de production est le support principal de l'intégration"),
    )
    ENTREPRENEURIAL = "entrepreneurial", _("Activités organisées selon une démarche entrepreneuriale")
    PROFIT_REINVESTED = "profit_reinvested", _("Profit éventuel réinvesti dans les buts sociaux")
    MARKET_RULES = "market_rules", _("Respect des règles du marché")
    SOCIAL_ACTIVITIES = (
        "social_activities",
        _("Activités principales : insertion, besoins collectifs insatisfaits, forte intensité de main-d'œuvre"),
    )
    STAFF_DIVERSITY = "staff_diversity", _("Diversité des profils des salarié·e·s")
    INDEPENDENT_GOVERNANCE = (
        "independent_governance",
        _("Direction indépendante des collectivités et administrations publiques"),
    )


class Provider(models.Model):
    """An organisation that runs integration measures (CNIP, Alfaset, Espace des Solidarités, Evologia …)."""

    name = models.CharField(_("nom"), max_length=150, unique=True)
    locality = models.CharField(_("localité"), max_length=100, blank=True)
    contact = models.CharField(_("personne de contact"), max_length=150, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    eso_status = models.CharField(
        _("entreprise sociale (NE-ESO)"), max_length=20, choices=EsoStatus.choices, default=EsoStatus.NOT_ASSESSED
    )
    eso_assessed_on = models.DateField(_("évaluée le"), null=True, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("prestataire")
        verbose_name_plural = _("prestataires")
        constraints = [
            models.CheckConstraint(
                condition=Q(eso_status__in=EsoStatus.values), name="measures_provider_known_eso_status"
            ),
            models.CheckConstraint(
                condition=Q(eso_status=EsoStatus.NOT_ASSESSED) | Q(eso_assessed_on__isnull=False),
                name="measures_provider_eso_assessment_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EsoCriterionCheck(models.Model):
    """Whether a provider meets one criterion of a social enterprise, with the evidence."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="eso_checks")
    criterion = models.CharField(_("critère"), max_length=40, choices=EsoCriterion.choices)
    met = models.BooleanField(_("rempli"))
    evidence = models.CharField(_("justification"), max_length=500, blank=True)
    checked_on = models.DateField(_("vérifié le"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["provider", "criterion"]
        verbose_name = _("critère NE-ESO vérifié")
        verbose_name_plural = _("critères NE-ESO vérifiés")
        constraints = [
            models.UniqueConstraint(fields=["provider", "criterion"], name="measures_eso_check_once_per_criterion"),
            models.CheckConstraint(
                condition=Q(criterion__in=EsoCriterion.values), name="measures_eso_check_known_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.get_criterion_display()}"


class Measure(models.Model):
    """An integration measure (workshop, course, programme) of a provider; its places are counted per kind."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="measures")
    is_mixed = models.BooleanField(
        _("mesure mixte"), default=True, help_text=_("Utilisée par plusieurs secteurs de la CII.")
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="measures")
    typology = models.CharField(_("typologie cantonale"), max_length=20, choices=Typology.choices)
    price_per_place_month = models.DecimalField(
        _("prix par place et par mois (CHF)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    description = models.TextField(_("fiche descriptive"), blank=True)
    active_from = models.DateField(_("active dès le"))
    active_until = models.DateField(_("active jusqu'au"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        constraints = [
            models.CheckConstraint(condition=Q(typology__in=Typology.values), name="measures_measure_known_typology"),
            models.CheckConstraint(
                condition=Q(price_per_place_month__gte=0), name="measures_measure_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_until__gte=F("active_from")),
                name="measures_measure_active_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)


class MeasureCapacity(models.Model):
    """How many places of one kind a measure offers in a year (end-of-year count)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="capacities")
    year = models.PositiveSmallIntegerField(_("année"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    place_kind = models.CharField(_("type de place"), max_length=20, choices=PlaceKind.choices)
    places = models.PositiveIntegerField(_("places"))

    class Meta:
        ordering = ["measure", "year", "place_kind"]
        verbose_name = _("capacité")
        verbose_name_plural = _("capacités")
        constraints = [
            models.UniqueConstraint(fields=["measure", "year", "place_kind"], name="measures_capacity_once_per_kind"),
            models.CheckConstraint(condition=Q(place_kind__in=PlaceKind.values), name="measures_capacity_known_kind"),
            models.CheckConstraint(condition=Q(places__gte=0), name="measures_capacity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.year} · {self.get_place_kind_display()} : {self.places}"


class BudgetYear(models.Model):
    """A budget year; once closed, its budgets and loans no longer change."""

    year = models.PositiveSmallIntegerField(
        _("année"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("année budgétaire")
        verbose_name_plural = _("années budgétaires")

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class SectorBudget(models.Model):
    """What one sector buys of one measure in one year: places and CHF."""

    year = models.ForeignKey(BudgetYear, on_delete=models.PROTECT, related_name="budgets")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="budgets")
    sector = models.CharField(_("secteur"), max_length=8, choices=Sector.choices)
    places = models.PositiveIntegerField(_("places"))
    amount = models.DecimalField(
        _("montant (CHF)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["year", "measure", "sector"]
        verbose_name = _("budget sectoriel")
        verbose_name_plural = _("budgets sectoriels")
        constraints = [
            models.UniqueConstraint(fields=["year", "measure", "sector"], name="measures_budget_once_per_sector"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="measures_budget_known_sector"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="measures_budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.year_id} · {self.get_sector_display()}"


class PlaceLoan(models.Model):
    """Places of one sector's budget lent to another sector for a period, with both delegates' agreement."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposé")
        AGREED = "agreed", _("accordé")
        REFUSED = "refused", _("refusé")
        CANCELLED = "cancelled", _("annulé")

    year = models.ForeignKey(BudgetYear, on_delete=models.PROTECT, related_name="loans")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="loans")
    from_sector = models.CharField(_("secteur prêteur"), max_length=8, choices=Sector.choices)
    to_sector = models.CharField(_("secteur emprunteur"), max_length=8, choices=Sector.choices)
    places = models.PositiveIntegerField(_("places"), validators=[MinValueValidator(1)])
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposer_sector = models.CharField(
        _("proposé au nom du secteur"),
        max_length=8,
        choices=Sector.choices,
        help_text=_("Le côté du prêt qui l'a proposé ; l'autre côté y répond."),
    )
    proposed_at = models.DateTimeField(_("proposé le"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    remarks = models.CharField(_("remarques"), max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("prêt de places")
        verbose_name_plural = _("prêts de places")
        constraints = [
            models.CheckConstraint(condition=~Q(from_sector=F("to_sector")), name="measures_loan_between_two_sectors"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="measures_loan_period_ordered"),
            models.CheckConstraint(condition=Q(places__gte=1), name="measures_loan_at_least_one_place"),
            models.CheckConstraint(
                condition=Q(proposer_sector=F("from_sector")) | Q(proposer_sector=F("to_sector")),
                name="measures_loan_proposed_by_one_side",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "agreed", "refused", "cancelled"]),
                name="measures_loan_known_status",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(answered_at__isnull=False), name="measures_loan_answer_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} · {self.from_sector} → {self.to_sector} ({self.places})"


class RequestPriority(models.TextChoices):
    URGENT = "urgent", _("urgente")
    NORMAL = "normal", _("normale")


class PlaceRequest(models.Model):
    """A caseworker's request for a place for a person, on one of their cases or under a pseudonym."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("en attente")
        PROPOSED = "proposed", _("proposition en cours")
        PLACED = "placed", _("placée")
        WITHDRAWN = "withdrawn", _("retirée")

    reference = models.CharField(_("référence"), max_length=20, unique=True)
    case = models.ForeignKey(
        "cases.CaseFile", on_delete=models.PROTECT, null=True, blank=True, related_name="place_requests"
    )
    pseudonym = models.CharField(
        _("pseudonyme"), max_length=40, help_text=_("Ce que les autres secteurs voient de la personne.")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("partners.PartnerService", on_delete=models.PROTECT, related_name="place_requests")
    sector = models.CharField(_("secteur payeur"), max_length=8, choices=Sector.choices)
    place_kind = models.CharField(_("type de place"), max_length=20, choices=PlaceKind.choices)
    priority = models.CharField(
        _("priorité"), max_length=8, choices=RequestPriority.choices, default=RequestPriority.NORMAL
    )
    desired_start = models.DateField(_("début souhaité"))
    remarks = models.CharField(_("remarques"), max_length=500, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("demande de place")
        verbose_name_plural = _("demandes de place")
        constraints = [
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="measures_request_known_sector"),
            models.CheckConstraint(condition=Q(place_kind__in=PlaceKind.values), name="measures_request_known_kind"),
            models.CheckConstraint(
                condition=Q(priority__in=RequestPriority.values), name="measures_request_known_priority"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "proposed", "placed", "withdrawn"]),
                name="measures_request_known_status",
            ),
            models.CheckConstraint(condition=~Q(pseudonym=""), name="measures_request_has_pseudonym"),
        ]
        indexes = [models.Index(fields=["status", "priority", "created_at"], name="measures_request_waiting_idx")]

    def __str__(self) -> str:
        return self.reference


class PlacePreference(models.Model):
    """One of up to three measures a request prefers, ranked 1 (first choice) to 3."""

    request = models.ForeignKey(PlaceRequest, on_delete=models.CASCADE, related_name="preferences")
    rank = models.PositiveSmallIntegerField(_("rang"), validators=[MinValueValidator(1), MaxValueValidator(3)])
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["request", "rank"]
        verbose_name = _("préférence")
        verbose_name_plural = _("préférences")
        constraints = [
            models.UniqueConstraint(fields=["request", "rank"], name="measures_preference_rank_once"),
            models.UniqueConstraint(fields=["request", "measure"], name="measures_preference_measure_once"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=3), name="measures_preference_rank_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.rank}"


class AllocationRound(models.Model):
    """One distribution of places for a period: opened, proposed by the solver, reviewed, confirmed."""

    class Status(models.TextChoices):
        OPEN = "open", _("ouvert")
        PROPOSED = "proposed", _("proposition calculée")
        CONFIRMED = "confirmed", _("confirmé")
        CANCELLED = "cancelled", _("annulé")

    period_start = models.DateField(_("période du"))
    period_end = models.DateField(_("au"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("ouvert le"), auto_now_add=True)
    proposed_at = models.DateTimeField(_("calculé le"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    solver_report = models.JSONField(_("rapport du solveur"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("tour d'attribution")
        verbose_name_plural = _("tours d'attribution")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="measures_round_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "proposed", "confirmed", "cancelled"]),
                name="measures_round_known_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%d.%m.%Y} – {self.period_end:%d.%m.%Y}"


class UnservedReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("plus de place disponible dans les mesures demandées")
    SECTOR_BUDGET = "sector_budget", _("budget du secteur épuisé pour les mesures demandées")
    NO_FEASIBLE_PREFERENCE = (
        "no_feasible_preference",
        _("aucune préférence possible (mesure inactive, sans places de ce type ou sans budget du secteur)"),
    )
    SET_ASIDE = "set_aside", _("écartée par le groupe de coordination")


class AllocationLine(models.Model):
    """What a round does with one request: a measure (served) or the reason it is not served."""

    round = models.ForeignKey(AllocationRound, on_delete=models.CASCADE, related_name="lines")
    request = models.ForeignKey(PlaceRequest, on_delete=models.PROTECT, related_name="allocation_lines")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rang obtenu"), null=True, blank=True)
    unserved_reason = models.CharField(_("motif"), max_length=24, choices=UnservedReason.choices, blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waiting_position = models.PositiveIntegerField(_("rang en liste d'attente"), null=True, blank=True)

    class Meta:
        ordering = ["round", "waiting_position", "id"]
        verbose_name = _("ligne d'attribution")
        verbose_name_plural = _("lignes d'attribution")
        constraints = [
            models.UniqueConstraint(fields=["round", "request"], name="measures_line_once_per_request"),
            models.CheckConstraint(
                condition=(Q(measure__isnull=False) & Q(unserved_reason=""))
                | (Q(measure__isnull=True) & ~Q(unserved_reason="")),
                name="measures_line_served_or_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.request}"


class ExitReason(models.TextChoices):
    FIRST_LABOUR_MARKET = "first_labour_market", _("emploi sur le premier marché")
    TRAINING = "training", _("formation ou apprentissage")
    OTHER_MEASURE = "other_measure", _("autre mesure")
    PLANNED_END = "planned_end", _("fin prévue de la mesure")
    HEALTH = "health", _("raisons de santé")
    DROPPED_OUT = "dropped_out", _("abandon")
    EXCLUDED = "excluded", _("exclusion")
    MOVED_AWAY = "moved_away", _("départ du canton")


POSITIVE_EXITS: tuple[str, ...] = (ExitReason.FIRST_LABOUR_MARKET, ExitReason.TRAINING)


class Placement(models.Model):
    """A person in a place of a measure, paid by a sector, from start to (planned, then actual) end."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("prévu")
        ACTIVE = "active", _("en cours")
        ENDED = "ended", _("terminé")
        CANCELLED = "cancelled", _("annulé")

    request = models.ForeignKey(PlaceRequest, on_delete=models.PROTECT, related_name="placements")
    round = models.ForeignKey(
        AllocationRound, on_delete=models.PROTECT, null=True, blank=True, related_name="placements"
    )
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="placements")
    sector = models.CharField(_("secteur payeur"), max_length=8, choices=Sector.choices)
    place_kind = models.CharField(_("type de place"), max_length=20, choices=PlaceKind.choices)
    starts_on = models.DateField(_("début"))
    planned_end_on = models.DateField(_("fin prévue"))
    ended_on = models.DateField(_("fin effective"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    exit_reason = models.CharField(_("motif de sortie"), max_length=24, choices=ExitReason.choices, blank=True)
    price_per_month = models.DecimalField(_("prix par mois (CHF)"), max_digits=9, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=F("starts_on")), name="measures_placement_plan_ordered"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("starts_on")),
                name="measures_placement_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_on__isnull=False) & ~Q(exit_reason="")
                | ~Q(status="ended") & Q(exit_reason=""),
                name="measures_placement_exit_explained",
            ),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="measures_placement_known_sector"),
        ]
        indexes = [models.Index(fields=["measure", "sector", "starts_on"], name="measures_placement_month_idx")]

    def __str__(self) -> str:
        return f"{self.request} · {self.measure}"


class MonthlyReport(models.Model):
    """The monthly figures of one sector, frozen once sent to SEMP's dashboard of mixed programmes."""

    month = models.DateField(_("mois"), help_text=_("Le premier jour du mois."))
    sector = models.CharField(_("secteur"), max_length=8, choices=Sector.choices)
    figures = models.JSONField(_("chiffres"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "sector"]
        verbose_name = _("chiffres mensuels envoyés")
        verbose_name_plural = _("chiffres mensuels envoyés")
        constraints = [
            models.UniqueConstraint(fields=["month", "sector"], name="measures_monthly_report_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="measures_monthly_report_first_day"),
            models.CheckConstraint(
                condition=Q(sector__in=["laci", "mip", "sas", "smig"]), name="measures_monthly_report_sector"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m.%Y} · {self.get_sector_display()}"


class YearlyReview(models.Model):
    """The yearly review (bilan) of a mixed measure with the coordination group."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        FINAL = "final", _("validé")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("année"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    assessment = models.TextField(_("appréciation du groupe"), blank=True)
    prospects = models.TextField(_("perspectives"), blank=True)
    proposed_places = models.PositiveIntegerField(_("places proposées pour l'année suivante"), null=True, blank=True)
    proposed_budget = models.DecimalField(
        _("budget proposé pour l'année suivante (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("statut"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField(_("chiffres figés"), default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "measure"]
        verbose_name = _("bilan annuel")
        verbose_name_plural = _("bilans annuels")
        constraints = [models.UniqueConstraint(fields=["measure", "year"], name="measures_review_once_a_year")]

    def __str__(self) -> str:
        return f"{self.measure} · {self.year}"


class CorrectiveMeasure(models.Model):
    """A correction asked of a provider, followed until done or escalated to the GP CII."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("demandée")
        IN_PROGRESS = "in_progress", _("en cours")
        DONE = "done", _("réalisée")
        ESCALATED = "escalated", _("soumise au GP CII")
        DECIDED = "decided", _("décidée par le GP CII")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="corrective_measures")
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="corrective_measures"
    )
    description = models.TextField(_("correction demandée"))
    changes_contract = models.BooleanField(_("modifie la convention"), default=False)
    requested_on = models.DateField(_("demandée le"))
    due_on = models.DateField(_("échéance"))
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    follow_up = models.TextField(_("suivi"), blank=True)
    escalated_at = models.DateTimeField(_("soumise au GP CII le"), null=True, blank=True)
    gp_decision = models.TextField(_("décision du GP CII"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("mesure corrective")
        verbose_name_plural = _("mesures correctives")
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=F("requested_on")), name="measures_corrective_due_after"),
            models.CheckConstraint(
                condition=~Q(status__in=["escalated", "decided"]) | Q(escalated_at__isnull=False),
                name="measures_corrective_escalation_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.requested_on:%d.%m.%Y}"


class ServiceAgreement(models.Model):
    """A service agreement (convention de prestations) with an integration enterprise."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="agreements")
    measures = models.ManyToManyField(Measure, blank=True, related_name="agreements")
    title = models.CharField(_("objet"), max_length=200)
    parties = models.TextField(_("parties"))
    legal_bases = models.TextField(_("bases légales"))
    target_groups = models.TextField(_("publics cibles"), blank=True)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    volume_places = models.PositiveIntegerField(_("volume (places)"))
    price = models.DecimalField(_("prix annuel (CHF)"), max_digits=12, decimal_places=2)
    data_protection = models.TextField(_("protection des données et secret"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "provider"]
        verbose_name = _("convention de prestations")
        verbose_name_plural = _("conventions de prestations")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="measures_agreement_period_ordered"),
            models.CheckConstraint(condition=Q(price__gte=0), name="measures_agreement_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementMetric(models.TextChoices):
    """Indicators the platform computes from its data for an agreement's measures and period."""

    OCCUPANCY_RATE = "occupancy_rate", _("taux d'occupation des places (%)")
    PLACEMENTS = "placements", _("personnes placées")
    POSITIVE_EXIT_RATE = "positive_exit_rate", _("sorties positives (emploi ou formation) parmi les sorties (%)")
    AVERAGE_DURATION_DAYS = "average_duration_days", _("durée moyenne des placements terminés (jours)")
    COST_PER_POSITIVE_EXIT = "cost_per_positive_exit", _("coût par sortie positive (CHF)")


class AgreementIndicator(models.Model):
    """An indicator of an agreement with its target value; its actual value is computed from the data."""

    agreement = models.ForeignKey(ServiceAgreement, on_delete=models.CASCADE, related_name="indicators")
    metric = models.CharField(_("indicateur"), max_length=24, choices=AgreementMetric.choices)
    target = models.DecimalField(_("valeur cible"), max_digits=12, decimal_places=2)
    higher_is_better = models.BooleanField(_("plus c'est haut, mieux c'est"), default=True)

    class Meta:
        ordering = ["agreement", "metric"]
        verbose_name = _("indicateur de convention")
        verbose_name_plural = _("indicateurs de convention")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "metric"], name="measures_indicator_once_per_metric"),
            models.CheckConstraint(condition=Q(metric__in=AgreementMetric.values), name="measures_indicator_known"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.get_metric_display()}"
