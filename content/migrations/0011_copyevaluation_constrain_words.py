from django.db import migrations, models


class Migration(migrations.Migration):
    """Evaluations recorded before let English drafts write any word (False); new ones hold them
    to copy's generic words and the product's own (True)."""

    dependencies = [
        ("content", "0010_copy_evaluation_stop_early"),
    ]

    operations = [
        migrations.AddField(
            model_name="copyevaluation",
            name="constrain_words",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="copyevaluation",
            name="constrain_words",
            field=models.BooleanField(default=True),
        ),
    ]
