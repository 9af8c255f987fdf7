"""Screens of the recommendations app: shoppers, search and the storefront preview, settings and evaluation."""
