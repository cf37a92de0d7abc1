"""Synthetic demo data: returns for made-up authorities, generated from a seed."""
