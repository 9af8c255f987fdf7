"""Rebuild the word frequencies best of n weighs invented details by (content/quality/specificity.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from content.quality.corpus import CorpusMissing
from content.quality.specificity import FREQUENCIES_FILE, rebuild_from_corpus


class Command(BaseCommand):
    help = ("Count in how many English descriptions of the product-copy corpus (PRODUCT_COPY_DIR, the part "
            "training may read) each word stem appears, and write content/quality/data/copy_words_en.tsv.")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=FREQUENCIES_FILE, help="where to write the file")

    def handle(self, *args, **options):
        try:
            documents, stems = rebuild_from_corpus(Path(settings.PRODUCT_COPY_DIR), options["output"])
        except CorpusMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{stems} word stems from {documents} descriptions written to {options['output']}.")
