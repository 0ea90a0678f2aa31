"""The edges of S3 Desk: chat platforms, the clock, the web server and the command line."""
