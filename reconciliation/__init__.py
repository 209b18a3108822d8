"""Compares AGDREF, seen through the mapping, with ANEF."""
