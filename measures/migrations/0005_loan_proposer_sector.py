"""A loan remembers which side proposed it (it was inferred from the proposer's current service)."""

from django.db import migrations, models
from django.db.models import F, Q

SECTOR_SERVICE = {"laci": "semp", "mip": "semp", "sas": "saso", "smig": "smig", "oai": "oai", "sfpo": "sfpo"}
SECTORS = [
    ("laci", "LACI (assurance-chômage)"),
    ("mip", "MIP (mesures d'intégration professionnelle)"),
    ("sas", "SAS (aide sociale)"),
    ("smig", "SMIG (migration)"),
    ("oai", "OAI (assurance-invalidité)"),
    ("sfpo", "SFPO (formation professionnelle)"),
]


def fill_proposer_sector(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The side the proposer's service speaks for, the lender first (the rule the proposal now stores)."""
    PlaceLoan = apps.get_model("measures", "PlaceLoan")
    for loan in PlaceLoan.objects.select_related("proposed_by__service"):
        service = loan.proposed_by.service.code if loan.proposed_by.service_id else None
        loan.proposer_sector = loan.from_sector if SECTOR_SERVICE.get(loan.from_sector) == service else loan.to_sector
        loan.save(update_fields=["proposer_sector"])


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_edit_versions")]

    operations = [
        migrations.AddField(
            model_name="placeloan",
            name="proposer_sector",
            field=models.CharField(default="", max_length=8, choices=SECTORS, verbose_name="proposé au nom du secteur"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_proposer_sector, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="placeloan",
            name="proposer_sector",
            field=models.CharField(
                choices=SECTORS,
                help_text="Le côté du prêt qui l'a proposé ; l'autre côté y répond.",
                max_length=8,
                verbose_name="proposé au nom du secteur",
            ),
        ),
        migrations.AddConstraint(
            model_name="placeloan",
            constraint=models.CheckConstraint(
                condition=Q(proposer_sector=F("from_sector")) | Q(proposer_sector=F("to_sector")),
                name="measures_loan_proposed_by_one_side",
            ),
        ),
    ]
