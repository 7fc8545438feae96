"""Reference data of the Réseau CII: programmes, legal bases of exchanges, the evaluation grid v1.

Loaded by migration 0002 (so that production has it) and kept editable afterwards.
"""

PROGRAMMES = [
    (
        "reseau-cii",
        "Réseau CII NE",
        "Personnes au bénéfice (ou susceptibles de l'être) de prestations de deux ou trois systèmes "
        "(assurance-chômage, assurance-invalidité, aide sociale) : problématiques multiples.",
        None,
    ),
    (
        "cm-fp",
        "Case management formation professionnelle (CM FP)",
        "Jeunes de la fin de la scolarité obligatoire à 30 ans, problématiques multiples, aptes au travail "
        "selon les critères AI.",
        30,
    ),
    ("mamac", "MAMAC (projet pilote)", "Projet national MAMAC, précurseur du Réseau CII.", None),
]

LEGAL_BASES = [
    ("consent", "Consentement exprès de la personne", True),
    ("lai-68bis", "art. 68bis LAI (collaboration interinstitutionnelle)", False),
    ("laci-85f", "art. 85f LACI (collaboration interinstitutionnelle)", False),
    ("laci-97a", "art. 97a LACI (communication de données)", False),
    ("lse-35a", "art. 35a LSE (communication de données)", False),
    ("lasoc-28", "art. 28 LASoc (accord de l'autorité compétente)", False),
]

# (code, label, guidance, kind)
GRID_V1 = [
    ("physical_health", "Santé physique", "0 aucune limitation · 3 limitation majeure", "score"),
    ("mental_health", "Santé psychique", "0 aucune difficulté · 3 difficulté majeure", "score"),
    ("addiction", "Addictions", "0 aucune · 3 dépendance active", "score"),
    ("training", "Formation", "0 formation certifiante · 3 sans formation achevée", "score"),
    ("language", "Langue française", "0 maîtrise · 3 pas de communication possible", "score"),
    ("debts", "Dettes", "0 aucune · 3 dettes importantes et poursuites", "score"),
    ("housing", "Logement", "0 stable · 3 sans logement", "score"),
    ("family", "Situation familiale", "0 soutien · 3 charge ou conflit majeur", "score"),
    ("mobility", "Mobilité", "0 permis et véhicule · 3 aucune mobilité", "score"),
    ("work_capacity", "Capacité de travail (%)", "Selon avis médical", "percent"),
    ("motivation", "Motivation", "0 forte · 3 absente", "score"),
    ("benefits", "Prestations en cours (AC, AI, AS)", "0 aucune · 3 trois systèmes", "score"),
]


def load_reference_data(programme_model, legal_basis_model, grid_version_model, grid_dimension_model) -> None:  # type: ignore[no-untyped-def]
    """Create what is missing of the reference data (idempotent; models passed in for migrations)."""
    import datetime

    for code, name, description, max_age in PROGRAMMES:
        programme_model.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "max_age": max_age}
        )
    for code, label, is_consent in LEGAL_BASES:
        legal_basis_model.objects.get_or_create(code=code, defaults={"label": label, "is_consent": is_consent})
    version, created = grid_version_model.objects.get_or_create(
        number=1, defaults={"published_on": datetime.date(2013, 1, 1), "is_current": True}
    )
    if created:
        for position, (code, label, guidance, kind) in enumerate(GRID_V1):
            grid_dimension_model.objects.create(
                version=version, code=code, label=label, guidance=guidance, kind=kind, position=position
            )
