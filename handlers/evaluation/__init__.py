"""Evaluation: screening, closing a cut-off into evaluation, panels, scores, consensus."""
