"""State of S3 Desk: models, queries, migrations and reference data. Knows no chat platform."""
