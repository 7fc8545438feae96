from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from measures.reference_data import load_branches

    load_branches(apps.get_model("measures", "Branch"))


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_unserved_set_aside")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
