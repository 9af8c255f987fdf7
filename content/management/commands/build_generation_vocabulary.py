"""Rebuild the list of tokens the generation model keeps in its output layer
(inference/generation/llama/vocabulary.py), from the product-copy corpus, the demo catalog and the
default templates, and check that every one of their texts tokenizes as with the full vocabulary."""

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from content import defaults
from content.quality.corpus import CHINESE_FILE, ENGLISH_FILE, CorpusMissing, corpus_products, training_products
from inference import ModelSpec
from inference.generation.llama.model import LlamaModel
from inference.generation.llama.vocabulary import (
    DATA_DIR,
    TOP_TOKENS,
    Vocabulary,
    build_kept_tokens,
    kept_tokens_file,
    write_kept_tokens,
    write_trimmed,
)
from inference.gguf_cache import gguf_path


class Command(BaseCommand):
    help = ("Write inference/generation/llama/data/<tokenizer>.tokens: the tokens of the default generation "
            "model that GENERATION_VOCABULARY=copy keeps (its most frequent ones, and every token the "
            "product-copy corpus, the demo catalog and the default templates tokenize through), then check "
            "that each of those texts tokenizes alike with and without the others.")

    def add_arguments(self, parser):
        parser.add_argument("--top", type=int, default=TOP_TOKENS,
                            help="ordinary tokens kept by frequency alone (default %(default)s)")
        parser.add_argument("--output-dir", type=Path, default=DATA_DIR, help="where to write the list")

    def handle(self, *args, **options):
        texts = _texts(Path(settings.PRODUCT_COPY_DIR), Path(settings.DEMO_DATA_DIR))
        base = gguf_path(ModelSpec.default(cache_dir=settings.MODEL_CACHE_DIR))
        vocabulary = Vocabulary.of(base)
        kept = build_kept_tokens(vocabulary, texts, top=options["top"])
        with tempfile.TemporaryDirectory() as work:
            trimmed = Path(work) / "trimmed.gguf"
            write_trimmed(base, kept=kept, output=trimmed)
            differing = _differing(base, trimmed, texts)
        if differing:
            raise CommandError(f"{len(differing)} texts tokenize differently with the kept tokens, e.g. "
                               f"{differing[0][:80]!r}; nothing written.")
        output = options["output_dir"] / kept_tokens_file(vocabulary).name
        write_kept_tokens(output, vocabulary=vocabulary, kept=kept,
                          source=f"{base.name}; top {options['top']}; {len(texts)} texts of {ENGLISH_FILE}, "
                                 f"{CHINESE_FILE} (held-back products left out), the demo catalog and the "
                                 "default templates")
        self.stdout.write(f"{len(kept)} of {len(vocabulary.tokens)} tokens kept; all {len(texts)} texts tokenize "
                          f"as with the full vocabulary. Written to {output}.")


def _texts(copy_dir: Path, demo_dir: Path) -> list[str]:
    """What the kept tokens must spell exactly: the titles, brands, attributes and copy of the corpus
    products training may read (not the yardstick's held-back ones), the demo catalog's titles,
    categories and brands, and every default template and example."""
    try:
        products = training_products(corpus_products(copy_dir))
    except CorpusMissing as exc:
        raise CommandError(str(exc)) from exc
    texts = [text for product in products
             for text in (product.title, product.brand, product.description,
                          *(f"{key}: {value}" for key, value in product.attributes.items())) if text]
    catalog = demo_dir / "products.csv"
    if not catalog.is_file():
        raise CommandError(f"{catalog} not found (set DEMO_DATA_DIR)")
    with catalog.open(newline="", encoding="utf-8") as handle:
        texts += [row[column] for row in csv.DictReader(handle) for column in ("title", "categories", "brand")
                  if row.get(column)]
    for template in vars(defaults).values():
        if isinstance(template, defaults.DefaultTemplate):
            texts.append(template.text)
            texts += [value for example in template.examples for value in example.values() if value]
    return texts


def _pieces(model: LlamaModel, text: str) -> list[bytes]:
    return [model.piece(token) for token in model.tokenize(text)]


def _differing(base: Path, trimmed: Path, texts: list[str]) -> list[str]:
    full, cut = LlamaModel(base, gpu_layers=0), LlamaModel(trimmed, gpu_layers=0)
    try:
        return [text for text in texts for spelling in (text, f" {text}", f"Product: {text}\nBrand:")
                if _pieces(full, spelling) != _pieces(cut, spelling)]
    finally:
        full.close()
        cut.close()
