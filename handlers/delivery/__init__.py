"""Delivery: an expert assigned, the co-design parties, milestones and the overview."""
