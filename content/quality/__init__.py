"""Copy quality: the product-copy corpus, the held-back set the yardstick measures on, training
pairs whose every claim the prompt supports, the numbers a draft may write, scores of candidates,
and the yardstick's figures. Plain Python (no Django): services and benches call it alike."""
