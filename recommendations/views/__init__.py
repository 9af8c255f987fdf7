"""Screens of the recommendations app (screen 7 of PRODUCT.md)."""
