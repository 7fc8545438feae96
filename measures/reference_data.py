"""Reference data of the measures app: the branches of the SECO nomenclature of labour-market measures.

The coordination group inventories the measures by branch; watchmaking, building-construction and
hotel-restaurant are the pilot branches of the inventory project. Load with `load_branches()` from a data
migration (pass the historical model) or from the demo canton; it only creates what is missing, so that
names edited afterwards in the administration stay as they are.
"""

from typing import Any

# (code, name, pilot branch)
BRANCHES: list[tuple[str, str, bool]] = [
    ("horlogerie", "Horlogerie et microtechnique", True),
    ("batiment-construction", "Bâtiment et construction", True),
    ("hotellerie-restauration", "Hôtellerie et restauration", True),
    ("industrie-machines", "Industrie des machines, métallurgie et mécanique", False),
    ("chimie-pharma", "Chimie et industrie pharmaceutique", False),
    ("commerce-vente", "Commerce de détail et vente", False),
    ("administration-bureau", "Administration, bureau et comptabilité", False),
    ("logistique-transport", "Logistique, transport et entreposage", False),
    ("nettoyage-entretien", "Nettoyage, entretien et conciergerie", False),
    ("recyclage-environnement", "Recyclage et environnement", False),
    ("agriculture-horticulture", "Agriculture, horticulture et paysagisme", False),
    ("sante-social", "Santé, social et soins", False),
    ("informatique", "Informatique et télécommunications", False),
    ("industrie-graphique", "Industrie graphique et médias", False),
    ("textile-habillement", "Textile et habillement", False),
    ("multibranche", "Plusieurs branches (mesures transversales)", False),
]


def load_branches(branch_model: Any = None) -> int:
    """Create the branches that are missing (idempotent) and return how many were created.

    `branch_model` is the historical model in a data migration (`apps.get_model("measures", "Branch")`);
    by default the current `measures.models.Branch`.
    """
    if branch_model is None:
        from measures.models import Branch

        branch_model = Branch
    created = 0
    for code, name, is_pilot in BRANCHES:
        _branch, was_created = branch_model.objects.get_or_create(
            code=code, defaults={"name": name, "is_pilot": is_pilot}
        )
        created += was_created
    return created
