from django.db import migrations, models


class Migration(migrations.Migration):
    """Evaluations recorded before wrote every candidate (False); new ones stop at the first
    good enough (True)."""

    dependencies = [
        ("content", "0009_model_version_candidates"),
    ]

    operations = [
        migrations.AddField(
            model_name="copyevaluation",
            name="stop_early",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="copyevaluation",
            name="stop_early",
            field=models.BooleanField(default=True),
        ),
    ]
