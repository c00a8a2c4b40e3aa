"""The full-text structure of the current database (FTS5 table or GIN index)."""

from django.db import migrations


def create(apps, schema_editor):
    from territoire.knowledge.search import create_index

    create_index(schema_editor)


def drop(apps, schema_editor):
    from territoire.knowledge.search import drop_index

    drop_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
