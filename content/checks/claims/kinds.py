"""The kinds of claim, as stored in a result's details and named in its flag reasons."""

QUANTITY = "quantity"  # a number and the word after it: "500 sheets", "3000 DPI", "3颗"
ORIGIN = "origin"  # "Made in Italy", "German-engineered", "意大利进口"
CERTIFICATION = "certification"  # "FDA approved", "ISO 9001", "3C认证"
NAME = "name"  # an acronym, proper noun or model code: "Bluetooth 5.0", "DECT", "C2P07AN"
COMPOUND = "compound"  # X-free, X-proof, X-resistant, X-certified, X-compatible, non-X; 防水, 抗菌
MATERIAL = "material"  # "stainless steel", "recycled paper", "cedar wood", "纯棉"
FEATURE = "feature"  # "gel ink", "soft-touch", "rechargeable", "拉链设计"

KINDS = (QUANTITY, ORIGIN, CERTIFICATION, NAME, COMPOUND, MATERIAL, FEATURE)

# How a flag reason names each kind ("Material claim 'cedar wood': ...").
LABELS = {
    QUANTITY: "Figure",
    ORIGIN: "Origin",
    CERTIFICATION: "Certification",
    NAME: "Name",
    COMPOUND: "Claim",
    MATERIAL: "Material",
    FEATURE: "Feature",
}
