"""The CNIP "Label Intégration": partner companies, internships, yearly editions and their ranking.

CNIP coaches disability-insurance insured persons during internships in partner companies. Each
year (an *edition*, with its reference period) it ranks the companies by criteria that are data
(quantitative ones computed from the internships, qualitative ones scored by the jury), labels
those above the edition's threshold, gives excellence prizes to the first three, and prints their
certificates. The jury (three seats: OAI-NE, CNIP council, CNCI) approves the ranking; publication
needs all three approvals and freezes the edition: its `RankingEntry` rows are the figures as they
were published and are never computed again.

Interns appear only under a pseudonym: the label's work needs no identity.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Canton(models.TextChoices):
    """The Swiss cantons (CNIP's partner companies are in every French-speaking canton and beyond)."""

    AG = "AG", _("Argovie")
    AI = "AI", _("Appenzell Rhodes-Intérieures")
    AR = "AR", _("Appenzell Rhodes-Extérieures")
    BE = "BE", _("Berne")
    BL = "BL", _("Bâle-Campagne")
    BS = "BS", _("Bâle-Ville")
    FR = "FR", _("Fribourg")
    GE = "GE", _("Genève")
    GL = "GL", _("Glaris")
    GR = "GR", _("Grisons")
    JU = "JU", _("Jura")
    LU = "LU", _("Lucerne")
    NE = "NE", _("Neuchâtel")
    NW = "NW", _("Nidwald")
    OW = "OW", _("Obwald")
    SG = "SG", _("Saint-Gall")
    SH = "SH", _("Schaffhouse")
    SO = "SO", _("Soleure")
    SZ = "SZ", _("Schwytz")
    TG = "TG", _("Thurgovie")
    TI = "TI", _("Tessin")
    UR = "UR", _("Uri")
    VD = "VD", _("Vaud")
    VS = "VS", _("Valais")
    ZG = "ZG", _("Zoug")
    ZH = "ZH", _("Zurich")


class PartnerCompany(models.Model):
    """A company that hosts CNIP interns. `uid` is the Swiss company identifier, formatted CHE-123.456.789."""

    name = models.CharField(_("raison sociale"), max_length=200)
    uid = models.CharField(_("IDE"), max_length=15, blank=True, help_text=_("Format CHE-123.456.789"))
    canton = models.CharField(_("canton"), max_length=2, choices=Canton.choices)
    locality = models.CharField(_("localité"), max_length=100)
    branch = models.CharField(_("branche"), max_length=100, blank=True)
    contact_name = models.CharField(_("personne de contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("courriel"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("entreprise partenaire")
        verbose_name_plural = _("entreprises partenaires")
        constraints = [
            models.UniqueConstraint(fields=["uid"], condition=~Q(uid=""), name="labels_company_uid_unique_when_given"),
            models.CheckConstraint(condition=Q(canton__in=Canton.values), name="labels_company_known_canton"),
            models.CheckConstraint(condition=~Q(name=""), name="labels_company_named"),
        ]
        indexes = [models.Index(fields=["canton", "name"], name="labels_company_canton_idx")]

    def __str__(self) -> str:
        return self.name


class TrainingProgramme(models.Model):
    """A CNIP training programme (the internship consolidates it in a company)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("formation CNIP")
        verbose_name_plural = _("formations CNIP")

    def __str__(self) -> str:
        return self.name


class Internship(models.Model):
    """An internship of an OAI insured person (pseudonymous) in a partner company.

    `ends_on` is the planned end while the internship runs, the actual end once `finished`.
    `employed_on_last_day` says the intern held a job on the last day (only for a finished internship).
    Internship days are not stored: they are the working days of the internship inside an edition's
    reference period (`labels.selectors.figures`).
    """

    company = models.ForeignKey(PartnerCompany, on_delete=models.PROTECT, related_name="internships")
    intern_pseudonym = models.CharField(_("stagiaire (pseudonyme)"), max_length=40)
    programme = models.ForeignKey(
        TrainingProgramme, on_delete=models.PROTECT, related_name="internships", verbose_name=_("formation CNIP")
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    finished = models.BooleanField(_("stage terminé"), default=False)
    employed_on_last_day = models.BooleanField(_("engagé·e au dernier jour"), default=False)
    coaching_notes = models.TextField(_("notes de coaching"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="labels_internship_period_ordered"),
            models.CheckConstraint(
                condition=Q(finished=True) | Q(employed_on_last_day=False),
                name="labels_internship_hired_only_when_finished",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_on", "ends_on"], name="labels_internship_period_idx"),
            models.Index(fields=["company", "starts_on"], name="labels_internship_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.intern_pseudonym} · {self.company}"


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    COMPUTED = "computed", _("classement calculé")
    JURY = "jury", _("validation du jury")
    PUBLISHED = "published", _("publié")


class Edition(models.Model):
    """One year of the label: its reference period, criteria, jury, threshold, ceremony and status."""

    year = models.PositiveSmallIntegerField(
        _("année"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    period_start = models.DateField(_("période de référence, du"))
    period_end = models.DateField(_("au"))
    threshold = models.DecimalField(
        _("seuil du label (points)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Une entreprise est labellisée si son score atteint ce seuil."),
    )
    prizes = models.PositiveSmallIntegerField(_("prix d'excellence"), default=3, validators=[MaxValueValidator(10)])
    ceremony_on = models.DateField(_("date de la cérémonie"), null=True, blank=True)
    ceremony_place = models.CharField(_("lieu de la cérémonie"), max_length=150, blank=True)
    signatories = models.TextField(
        _("signataires"), blank=True, help_text=_("Une ligne par signataire : nom, fonction.")
    )
    status = models.CharField(_("statut"), max_length=10, choices=EditionStatus.choices, default=EditionStatus.DRAFT)
    computed_at = models.DateTimeField(_("classement calculé le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("édition du label")
        verbose_name_plural = _("éditions du label")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="labels_edition_period_ordered"
            ),
            models.CheckConstraint(condition=Q(status__in=EditionStatus.values), name="labels_edition_known_status"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="labels_edition_publication_dated",
            ),
        ]

    def __str__(self) -> str:
        return _("Label Intégration %(year)s") % {"year": self.year}

    @property
    def is_published(self) -> bool:
        return self.status == EditionStatus.PUBLISHED

    @staticmethod
    def default_period(year: int) -> tuple[dt.date, dt.date]:
        """1 January to 31 December of `year`."""
        return dt.date(year, 1, 1), dt.date(year, 12, 31)


class CriterionKind(models.TextChoices):
    QUANTITATIVE = "quantitative", _("quantitatif (calculé des stages)")
    QUALITATIVE = "qualitative", _("qualitatif (noté par le jury)")


class CriterionMetric(models.TextChoices):
    """What a quantitative criterion measures, per company, over the edition's reference period."""

    INTERNSHIP_DAYS = "internship_days", _("jours de stage")
    INTERNS = "interns", _("stagiaires accueillis")
    HIRED = "hired", _("stagiaires engagés")
    REINSERTION_RATE = "reinsertion_rate", _("taux de réinsertion (corrigé des petits effectifs)")


class Normalisation(models.TextChoices):
    """How a criterion's values become points between 0 and 1 before weighting."""

    SHARE_OF_MAX = "share_of_max", _("part du maximum (valeur ÷ meilleure valeur)")
    MIN_MAX = "min_max", _("min-max ((valeur − minimum) ÷ (maximum − minimum))")
    RANK = "rank", _("rang ((n − rang) ÷ (n − 1))")
    SCALE = "scale", _("échelle (note ÷ note maximale ; taux tel quel)")


class Criterion(models.Model):
    """A criterion of an edition with its weight and normalisation (criteria are data, not code)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    name = models.CharField(_("critère"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    kind = models.CharField(_("nature"), max_length=12, choices=CriterionKind.choices)
    metric = models.CharField(_("mesure"), max_length=20, choices=CriterionMetric.choices, blank=True)
    weight = models.DecimalField(
        _("poids"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    normalisation = models.CharField(
        _("normalisation"), max_length=12, choices=Normalisation.choices, default=Normalisation.SHARE_OF_MAX
    )
    max_score = models.PositiveSmallIntegerField(
        _("note maximale"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["edition", "position", "id"]
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="labels_criterion_name_once"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="labels_criterion_weight_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind="quantitative") & Q(metric__in=CriterionMetric.values))
                | (Q(kind="qualitative") & Q(metric="")),
                name="labels_criterion_metric_only_when_quantitative",
            ),
            models.CheckConstraint(
                condition=Q(normalisation__in=Normalisation.values), name="labels_criterion_known_normalisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class JurySeat(models.TextChoices):
    OAI_NE = "oai_ne", _("représentant·e de l'OAI-NE")
    CNIP_COUNCIL = "cnip_council", _("membre du Conseil du CNIP")
    CNCI = "cnci", _("directeur·rice de la CNCI")


class JuryMember(models.Model):
    """One of the three named members of an edition's jury (a platform account)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="jury")
    seat = models.CharField(_("siège"), max_length=12, choices=JurySeat.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="label_jury_seats", verbose_name=_("compte")
    )
    title = models.CharField(_("titre et fonction"), max_length=150, blank=True)

    class Meta:
        ordering = ["edition", "seat"]
        verbose_name = _("membre du jury")
        verbose_name_plural = _("membres du jury")
        constraints = [
            models.UniqueConstraint(fields=["edition", "seat"], name="labels_jury_seat_once"),
            models.UniqueConstraint(fields=["edition", "user"], name="labels_jury_member_once"),
            models.CheckConstraint(condition=Q(seat__in=JurySeat.values), name="labels_jury_known_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_seat_display()})"


class Recusal(models.Model):
    """A jury member linked to a company does not score it (nor weigh on its qualitative mark)."""

    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="recusals")
    company = models.ForeignKey(PartnerCompany, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("motif"), max_length=300)
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        ordering = ["member", "company"]
        verbose_name = _("récusation")
        verbose_name_plural = _("récusations")
        constraints = [models.UniqueConstraint(fields=["member", "company"], name="labels_recusal_once")]

    def __str__(self) -> str:
        return f"{self.member} · {self.company}"


class JuryScore(models.Model):
    """A jury member's mark for a company on a qualitative criterion (0 to the criterion's maximum)."""

    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    company = models.ForeignKey(PartnerCompany, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("note"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    comment = models.CharField(_("commentaire"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        ordering = ["criterion", "company", "member"]
        verbose_name = _("note du jury")
        verbose_name_plural = _("notes du jury")
        constraints = [
            models.UniqueConstraint(fields=["member", "criterion", "company"], name="labels_score_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="labels_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.criterion} · {self.company}: {self.score}"


class JuryApproval(models.Model):
    """A jury member's approval of the ranking computed at `ranking_computed_at` (a new computation voids it)."""

    member = models.OneToOneField(JuryMember, on_delete=models.CASCADE, related_name="approval")
    ranking_computed_at = models.DateTimeField(_("classement approuvé (calculé le)"))
    approved_at = models.DateTimeField(_("approuvé le"), auto_now_add=True)
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)

    class Meta:
        ordering = ["member"]
        verbose_name = _("approbation du jury")
        verbose_name_plural = _("approbations du jury")

    def __str__(self) -> str:
        return f"{self.member} · {self.approved_at:%d.%m.%Y}"


class RankingEntry(models.Model):
    """A company's place in an edition's ranking, with the figures it was computed from.

    Written when CNIP computes the ranking, replaced by each new computation, and frozen with the
    edition at publication: a published edition shows these rows, never a new computation.
    `verification_code` is the token of the certificate's QR code (public verification page).
    """

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="entries")
    company = models.ForeignKey(PartnerCompany, on_delete=models.PROTECT, related_name="ranking_entries")
    rank = models.PositiveIntegerField(_("rang"))
    company_name = models.CharField(_("raison sociale (à la date du calcul)"), max_length=200)
    canton = models.CharField(_("canton"), max_length=2, choices=Canton.choices)
    locality = models.CharField(_("localité"), max_length=100)
    internship_days = models.PositiveIntegerField(_("jours de stage"))
    interns = models.PositiveIntegerField(_("stagiaires"))
    finished = models.PositiveIntegerField(_("stages terminés"))
    hired = models.PositiveIntegerField(_("engagés au dernier jour"))
    raw_rate = models.DecimalField(_("taux brut"), max_digits=7, decimal_places=6, null=True, blank=True)
    corrected_rate = models.DecimalField(
        _("taux corrigé (borne inférieure de Wilson)"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    points = models.JSONField(_("points par critère"), default=dict)
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=4)
    labelled = models.BooleanField(_("labellisée"), default=False)
    prize = models.PositiveSmallIntegerField(_("prix d'excellence"), null=True, blank=True)
    special_label = models.CharField(_("label spécial"), max_length=80, blank=True)
    tie_note = models.CharField(_("départage"), max_length=200, blank=True)
    rank_low = models.PositiveIntegerField(_("meilleur rang (poids ±20 %)"), null=True, blank=True)
    rank_high = models.PositiveIntegerField(_("moins bon rang (poids ±20 %)"), null=True, blank=True)
    verification_code = models.CharField(_("code de vérification"), max_length=32, unique=True)

    class Meta:
        ordering = ["edition", "rank"]
        verbose_name = _("rang au classement")
        verbose_name_plural = _("classement")
        constraints = [
            models.UniqueConstraint(fields=["edition", "company"], name="labels_entry_company_once"),
            models.UniqueConstraint(fields=["edition", "rank"], name="labels_entry_rank_once"),
            models.CheckConstraint(
                condition=Q(prize__isnull=True) | Q(labelled=True), name="labels_entry_prize_only_when_labelled"
            ),
            models.CheckConstraint(condition=Q(hired__lte=F("finished")), name="labels_entry_hired_within_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.rank}. {self.company_name}"


class EditionFigures(models.Model):
    """An edition's headline figures, frozen at publication (the previous edition's comparison reads them)."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="frozen_figures")
    companies = models.PositiveIntegerField(_("entreprises ayant accueilli des stagiaires"))
    labelled = models.PositiveIntegerField(_("entreprises labellisées"))
    labelled_by_canton = models.JSONField(_("labellisées par canton"), default=dict)
    internship_days = models.PositiveIntegerField(_("jours de stage"))
    interns = models.PositiveIntegerField(_("stagiaires"))
    finished = models.PositiveIntegerField(_("stages terminés dans la période"))
    hired = models.PositiveIntegerField(_("engagés au dernier jour"))
    frozen_at = models.DateTimeField(_("figé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("chiffres publiés d'une édition")
        verbose_name_plural = _("chiffres publiés des éditions")
        constraints = [
            models.CheckConstraint(condition=Q(hired__lte=F("finished")), name="labels_figures_hired_within_finished")
        ]

    def __str__(self) -> str:
        return str(self.edition)
