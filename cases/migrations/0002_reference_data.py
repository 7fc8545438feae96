import datetime

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from cases.reference_data import GRID_V1, LEGAL_BASES, PROGRAMMES

    Programme = apps.get_model("cases", "Programme")
    LegalBasis = apps.get_model("cases", "LegalBasis")
    GridVersion = apps.get_model("cases", "GridVersion")
    GridDimension = apps.get_model("cases", "GridDimension")
    for code, name, description, max_age in PROGRAMMES:
        Programme.objects.get_or_create(code=code, defaults={"name": name, "description": description, "max_age": max_age})
    for code, label, is_consent in LEGAL_BASES:
        LegalBasis.objects.get_or_create(code=code, defaults={"label": label, "is_consent": is_consent})
    version, created = GridVersion.objects.get_or_create(
        number=1, defaults={"published_on": datetime.date(2013, 1, 1), "is_current": True}
    )
    if created:
        for position, (code, label, guidance, kind) in enumerate(GRID_V1):
            GridDimension.objects.create(
                version=version, code=code, label=label, guidance=guidance, kind=kind, position=position
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
