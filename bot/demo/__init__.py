"""The demo programme `s3desk demo-data` writes: fictional, consistent, built through the core."""
