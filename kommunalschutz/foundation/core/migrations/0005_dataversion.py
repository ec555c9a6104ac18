from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_task_run_lease")]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("scope", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "data version"},
        ),
    ]
