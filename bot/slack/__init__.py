"""S3 Desk as a Slack app: one Bolt AsyncApp served over HTTP or Socket Mode."""
