"""The `s3desk` command line."""
