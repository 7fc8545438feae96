"""Réseau CII case files: persons, consent, case files, participation, the evaluation grid.

A service reaches a case file through its grant row (`CaseFileGroupObjectPermission`):
the lead service for as long as it leads, another service only while a legal
basis covers it (the person's consent, until its end date, or an article of law).
A person is reached through the case files one may see.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cii_platform.access import ServiceGrantBase
from cii_platform.partners.models import PartnerService


class Region(models.TextChoices):
    LITTORAL = "littoral", _("Littoral")
    MONTAGNES = "montagnes", _("Montagnes")
    VAL_DE_TRAVERS = "val_de_travers", _("Val-de-Travers")
    VAL_DE_RUZ = "val_de_ruz", _("Val-de-Ruz")


class Sex(models.TextChoices):
    FEMALE = "f", _("femme")
    MALE = "m", _("homme")
    OTHER = "x", _("autre / non précisé")


class Person(models.Model):
    """A person followed in the CII. The AVS number is optional (asylum seekers have none)."""

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, default=Sex.OTHER)
    language = models.CharField(_("langue"), max_length=50, default="français")
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    # Normalised 756.XXXX.XXXX.XC; NULL when unknown (unique only among known numbers).
    avs_number = models.CharField(_("numéro AVS"), max_length=16, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        indexes = [models.Index(fields=["last_name", "first_name", "birth_date"], name="cases_person_identity_idx")]

    def __str__(self) -> str:
        # Used in audit labels: a reference only, never the name.
        return f"P-{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def avs_masked(self) -> str:
        """The AVS number as lists, exports and PDFs show it: 756.****.****.85."""
        if not self.avs_number:
            return ""
        return f"756.****.****.{self.avs_number[-2:]}"


class Programme(models.Model):
    """A programme of coordinated handling (Réseau CII NE, CM FP …), as data."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    max_age = models.PositiveSmallIntegerField(_("âge maximal à l'entrée"), null=True, blank=True)
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    """What authorises a service to receive a case's data: consent or an article of law (editable list)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    is_consent = models.BooleanField(_("consentement de la personne"), default=False)
    active = models.BooleanField(_("en vigueur"), default=True)

    class Meta:
        ordering = ["-is_consent", "label"]
        verbose_name = _("base légale")
        verbose_name_plural = _("bases légales")

    def __str__(self) -> str:
        return self.label


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("identité et coordonnées")
    SITUATION = "situation", _("situation personnelle et familiale")
    BENEFITS = "benefits", _("prestations perçues (AC, AI, aide sociale)")
    HEALTH = "health", _("santé et capacité de travail")
    TRAINING = "training", _("formation et parcours professionnel")
    FINANCES = "finances", _("dettes et situation financière")
    MIGRATION = "migration", _("statut de séjour")


class Consent(models.Model):
    """The person's express consent to exchange information between named services."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents", verbose_name=_("personne"))
    services = models.ManyToManyField(PartnerService, related_name="+", verbose_name=_("services concernés"))
    data_categories = models.JSONField(_("catégories de données"), default=list)
    purpose = models.TextField(_("but de l'échange"))
    signed_on = models.DateField(_("signé le"))
    valid_until = models.DateField(_("valable jusqu'au"))
    document = models.FileField(_("document signé"), upload_to="consents/%Y/", blank=True)
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_note = models.CharField(_("motif de la révocation"), max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=F("signed_on")), name="cases_consent_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"C-{self.pk}"


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("signalé")
    ASSESSMENT = "assessment", _("en évaluation")
    ACTION_PLAN = "action_plan", _("plan d'action")
    FOLLOW_UP = "follow_up", _("suivi")
    CLOSED = "closed", _("clôturé")
    OUT_OF_CRITERIA = "out_of_criteria", _("hors critères")


class Outcome(models.TextChoices):
    JOB = "job", _("emploi sur le premier marché du travail")
    APPRENTICESHIP = "apprenticeship", _("apprentissage commencé")
    DIPLOMA = "diploma", _("CFC ou AFP obtenu")
    ADAPTED_STRUCTURE = "adapted_structure", _("structure adaptée")
    DISABILITY = "disability", _("mesure AI ou rente")
    SOCIAL_ENTERPRISE = "social_enterprise", _("entreprise sociale")
    LEFT_SOCIAL_ASSISTANCE = "left_social_assistance", _("sortie de l'aide sociale")
    MOVED_AWAY = "moved_away", _("départ du canton")
    DROPPED_OUT = "dropped_out", _("abandon")
    OTHER = "other", _("autre issue")


# Outcomes that count as a solution (and schedule the follow-up checks).
POSITIVE_OUTCOMES = frozenset(
    {
        Outcome.JOB,
        Outcome.APPRENTICESHIP,
        Outcome.DIPLOMA,
        Outcome.ADAPTED_STRUCTURE,
        Outcome.SOCIAL_ENTERPRISE,
        Outcome.LEFT_SOCIAL_ASSISTANCE,
    }
)


class OutOfCriteriaReason(models.TextChoices):
    OVER_AGE = "over_age", _("au-delà de l'âge du programme")
    NO_MULTIPLE_PROBLEMS = "no_multiple_problems", _("pas de problématiques multiples")
    ALREADY_FOLLOWED = "already_followed", _("déjà suivi par ailleurs")
    MOVED_AWAY = "moved_away", _("départ du canton")
    PREGNANCY = "pregnancy", _("grossesse")
    OTHER = "other", _("autre motif")


class CaseFile(models.Model):
    """A shared case file (dossier CII).

    `version` grows by one at every change: a form carries the version it was
    read at, and a save against an older version is refused (no lost update).
    """

    reference = models.CharField(_("référence"), max_length=20, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_files", verbose_name=_("personne"))
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="case_files", verbose_name=_("programme")
    )
    lead_service = models.ForeignKey(
        PartnerService, on_delete=models.PROTECT, related_name="led_cases", verbose_name=_("service pilote")
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_cases",
        verbose_name=_("case manager"),
    )
    region = models.CharField(_("région"), max_length=20, choices=Region.choices, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REPORTED)
    receives_unemployment = models.BooleanField(_("indemnités de chômage (AC)"), default=False)
    receives_disability = models.BooleanField(_("prestations AI"), default=False)
    receives_social_assistance = models.BooleanField(_("aide sociale (AS)"), default=False)
    signal_reason = models.TextField(_("motif du signalement"), blank=True)
    out_of_criteria_reason = models.CharField(
        _("motif hors critères"), max_length=30, choices=OutOfCriteriaReason.choices, blank=True
    )
    outcome = models.CharField(_("issue"), max_length=30, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField(_("date de l'issue"), null=True, blank=True)
    opened_at = models.DateTimeField(_("signalé le"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Triage priority (see cases.services.priority): the points of the case, and a
    # sort key that also ranks by waiting time without being recomputed every day;
    # with what the points count, so that the queue shows its reasons from the row.
    priority_points = models.PositiveSmallIntegerField(_("points de priorité"), default=0)
    priority_key = models.IntegerField(default=0, db_index=False)
    priority_high_dimensions = models.PositiveSmallIntegerField(_("dimensions cotées 3"), default=0)
    priority_transfers = models.PositiveSmallIntegerField(_("transferts en 12 mois"), default=0)
    revolving_door = models.BooleanField(_("effet tourniquet"), default=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("dossier CII")
        verbose_name_plural = _("dossiers CII")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="cases_casefile_known_status"),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.CLOSED) | (~Q(outcome="") & Q(outcome_date__isnull=False)),
                name="cases_casefile_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.OUT_OF_CRITERIA) | ~Q(out_of_criteria_reason=""),
                name="cases_casefile_out_of_criteria_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="cases_casefile_status_idx"),
            models.Index(
                fields=["-priority_key", "-id"],
                name="cases_casefile_queue_idx",
                condition=Q(status__in=["reported", "assessment"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseReferenceCounter(models.Model):
    """The last reference number handed out in a year (locked while a case is opened)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseFileGroupObjectPermission(ServiceGrantBase):
    """Which service may view or change which case file (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="service_grants")

    class Meta(ServiceGrantBase.Meta):
        verbose_name = _("accès d'un service à un dossier")
        verbose_name_plural = _("accès des services aux dossiers")
        indexes = [models.Index(fields=["content_object", "group", "permission"], name="cases_grant_object_idx")]


class Participation(models.Model):
    """A service taking part in a case, with its own caseworker, on a recorded legal basis.

    Rows are never deleted: leaving sets `ended_at`, so every hand-off is kept.
    """

    class Role(models.TextChoices):
        LEAD = "lead", _("service pilote")
        PARTICIPANT = "participant", _("service participant")

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="participations")
    service = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("intervenant·e"),
    )
    legal_basis = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("base légale")
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="participations")
    person_informed_at = models.DateTimeField(
        _("personne informée le"), null=True, blank=True, help_text=_("Pour un échange sans consentement.")
    )
    started_at = models.DateTimeField(_("depuis le"), auto_now_add=True)
    ended_at = models.DateTimeField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "service"], condition=Q(ended_at__isnull=True), name="cases_participation_one_open"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True, role="lead"),
                name="cases_participation_one_open_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.service}"


class StatusChange(models.Model):
    """One step of a case's workflow (kept for the history and the indicators)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")

    def __str__(self) -> str:
        return f"{self.case}: {self.from_status} → {self.to_status}"


class GridVersion(models.Model):
    """A version of the common evaluation grid; assessments keep the version they were scored on."""

    number = models.PositiveSmallIntegerField(_("version"), unique=True)
    published_on = models.DateField(_("publiée le"))
    is_current = models.BooleanField(_("en vigueur"), default=False)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("version de la grille")
        verbose_name_plural = _("versions de la grille")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="cases_grid_one_current")
        ]

    def __str__(self) -> str:
        return f"Grille v{self.number}"


class GridDimension(models.Model):
    """One dimension of a grid version, scored 0–3 (or a percentage for the work capacity)."""

    class Kind(models.TextChoices):
        SCORE = "score", _("score de 0 à 3")
        PERCENT = "percent", _("pourcentage")

    version = models.ForeignKey(GridVersion, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(max_length=40)
    label = models.CharField(_("dimension"), max_length=100)
    guidance = models.CharField(_("repères"), max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCORE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("dimension de la grille")
        verbose_name_plural = _("dimensions de la grille")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="cases_griddimension_unique_code")]

    def __str__(self) -> str:
        return self.label


class Assessment(models.Model):
    """A dated assessment of a case on the grid, signed by its author for their service."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="assessments")
    version = models.ForeignKey(GridVersion, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField(_("date de l'évaluation"))
    signed_at = models.DateTimeField(_("signée le"), auto_now_add=True)
    summary = models.TextField(_("synthèse"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")

    def __str__(self) -> str:
        return f"{self.case} · {self.assessed_on:%d.%m.%Y}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(GridDimension, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("pourcentage"), null=True, blank=True)
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)

    class Meta:
        ordering = ["dimension__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="cases_score_one_per_dimension"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=3), name="cases_score_0_to_3"),
            models.CheckConstraint(condition=Q(percent__isnull=True) | Q(percent__lte=100), name="cases_percent_max"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score if self.score is not None else self.percent}"


class Visibility(models.TextChoices):
    NETWORK = "network", _("réseau (tous les services participants)")
    SERVICE = "service", _("mon service seulement")


class Goal(models.Model):
    """A goal of the case's action plan."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("objectif"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    achieved_on = models.DateField(_("atteint le"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")

    def __str__(self) -> str:
        return f"{self.case} · objectif {self.pk}"


class Meeting(models.Model):
    """A network meeting (séance de réseau) of a case, with its participants and decisions."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date de la séance"))
    place = models.CharField(_("lieu"), max_length=150, blank=True)
    services = models.ManyToManyField(PartnerService, related_name="+", verbose_name=_("services présents"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("participant·es")
    )
    other_participants = models.CharField(
        _("autres participant·es (médecin, personne, proches …)"), max_length=300, blank=True
    )
    decisions = models.TextField(_("décisions"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("séance de réseau")
        verbose_name_plural = _("séances de réseau")

    def __str__(self) -> str:
        return f"{self.case} · séance {self.pk}"


class Task(models.Model):
    """A task of the action plan, assigned to a service (and possibly a caseworker), with a due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("à faire")
        DONE = "done", _("faite")
        CANCELLED = "cancelled", _("annulée")

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="tasks")
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments")
    title = models.CharField(_("tâche"), max_length=200)
    assigned_service = models.ForeignKey(
        PartnerService, on_delete=models.PROTECT, related_name="+", verbose_name=_("service responsable")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=_("responsable"),
    )
    due_on = models.DateField(_("échéance"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("faite le"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        indexes = [models.Index(fields=["case", "due_on"], name="cases_task_open_due_idx", condition=Q(status="open"))]

    def __str__(self) -> str:
        return f"{self.case} · tâche {self.pk}"


class JournalEntry(models.Model):
    """A journal entry, visible to every participating service or to the author's service only."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="journal")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices)
    text = models.TextField(_("texte"))
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("entrée de journal")
        verbose_name_plural = _("entrées de journal")

    def __str__(self) -> str:
        return f"{self.case} · journal {self.pk}"


class Attachment(models.Model):
    """A document attached to a case, with the same visibility rule as the journal."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(_("fichier"), upload_to="attachments/%Y/")
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices)
    service = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self) -> str:
        return f"{self.case} · pièce {self.pk}"


class Referral(models.Model):
    """A service proposes that another takes part (shared handling) or takes the lead (hand-over)."""

    class Kind(models.TextChoices):
        SHARE = "share", _("prise en charge partagée")
        HANDOVER = "handover", _("reprise du pilotage")

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de réponse")
        ACCEPTED = "accepted", _("acceptée")
        REFUSED = "refused", _("refusée")
        WITHDRAWN = "withdrawn", _("retirée")

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    from_service = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="+")
    to_service = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("motif"))
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposition de transfert")
        verbose_name_plural = _("propositions de transfert")
        constraints = [
            models.CheckConstraint(condition=~Q(from_service=F("to_service")), name="cases_referral_two_services"),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="cases_referral_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · transfert {self.pk}"


class FollowUpCheck(models.Model):
    """A check 3, 6 or 12 months after a positive exit: is the person still in a job or training?"""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="follow_up_checks")
    months_after = models.PositiveSmallIntegerField(_("mois après la sortie"))
    due_on = models.DateField(_("échéance"))
    checked_on = models.DateField(_("vérifié le"), null=True, blank=True)
    still_integrated = models.BooleanField(_("toujours en emploi ou en formation"), null=True, blank=True)
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("suivi après la sortie")
        verbose_name_plural = _("suivis après la sortie")
        constraints = [
            models.UniqueConstraint(fields=["case", "months_after"], name="cases_followup_one_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · +{self.months_after} mois"
