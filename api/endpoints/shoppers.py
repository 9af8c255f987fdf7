"""A shopper's recommendations and campaign."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from api.auth import READ
from api.endpoints.common import product_out, recommendation_out
from api.errors import errors
from api.schemas import RecommendationsOut, ShopperCampaignOut, Text
from catalog.selectors import category_by_name
from content.selectors.campaigns import campaign_for_shopper
from content.services.campaigns import campaign_record_served
from recommendations.selectors import shopper_by_external_id
from recommendations.selectors.ranking import RecommendationFilters
from recommendations.services.serving import recommendations_served

router = Router(tags=["shoppers"])


class RecommendationQuery(Schema):
    k: int = Field(10, ge=1, le=100, description="How many products.")
    in_stock: bool = Field(True, description="Only products in stock.")
    exclude_purchased: bool = Field(True, description="Leave out what the shopper bought.")
    exclude_seen: bool = Field(False, description="Leave out what the shopper touched in their last 30 days.")
    category: Text | None = Field(None, description="Only this category (its full path, or its name when that "
                                                    "is unique) and the categories below it.")


@router.get("/shoppers/{shopper_id}/recommendations", response={200: RecommendationsOut, **errors(403, 404)},
            auth=READ, summary="A shopper's recommendations",
            description="The shopper's top k under the filters; every item carries its score, the score's parts "
                        "and the reason it is recommended. A shopper is known from their first event.")
def shopper_recommendations(request, shopper_id: Text, query: Query[RecommendationQuery]):
    store = request.auth.store
    shopper = shopper_by_external_id(store=store, external_id=shopper_id)
    category_id = category_by_name(store=store, name=query.category).pk if query.category else None
    filters = RecommendationFilters(in_stock=query.in_stock, exclude_purchased=query.exclude_purchased,
                                    exclude_seen=query.exclude_seen, category_id=category_id)
    result = recommendations_served(store=store, shopper=shopper, k=query.k, filters=filters)
    return {"shopper": shopper.external_id, "kind": result.kind,
            "items": [recommendation_out(item) for item in result.items]}


@router.get("/shoppers/{shopper_id}/campaign", response={200: ShopperCampaignOut, **errors(403, 404)}, auth=READ,
            summary="The campaign meant for a shopper",
            description="The newest campaign whose segment the shopper is in and that has copy a person approved: "
                        "its products with that copy, and the tag to send on the view and purchase events it "
                        "leads to. `campaign` is null when there is none.")
def shopper_campaign(request, shopper_id: Text):
    store = request.auth.store
    shopper = shopper_by_external_id(store=store, external_id=shopper_id)
    served = campaign_for_shopper(store=store, shopper_ref=shopper.external_id)
    if served is None:
        return {"shopper": shopper.external_id, "campaign": None}
    campaign_record_served(segment=served.segment, shopper_ref=shopper.external_id)
    return {"shopper": shopper.external_id, "campaign": {
        "id": served.campaign.pk, "name": served.campaign.name, "goal": served.campaign.goal,
        "segment": served.segment.value, "tag": served.segment.tag,
        "items": [{"product": product_out(product), "text": text} for product, text in served.items],
    }}
