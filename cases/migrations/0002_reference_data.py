from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from cases.reference_data import load_reference_data

    load_reference_data(
        apps.get_model("cases", "Programme"),
        apps.get_model("cases", "LegalBasis"),
        apps.get_model("cases", "GridVersion"),
        apps.get_model("cases", "GridDimension"),
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
