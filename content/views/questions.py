from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from catalog import selectors as catalog_selectors
from catalog.access import store_view
from content import services
from content.forms import QuestionForm


@store_view("content.generate")
@require_POST
def question_create(request, product_id: int):
    product = catalog_selectors.product_for_store(store=request.store, product_id=product_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.shopper_question_create(product=product, text=form.cleaned_data["text"],
                                             membership=request.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Question saved. Generate an answer from the Shopper questions section.")
    else:
        messages.error(request, "The question is empty or too long.")
    return redirect(product.get_absolute_url() + "#questions")
