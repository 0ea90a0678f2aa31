"""The Teams app package: manifest.json and the two icons (data files, shipped with the code)."""
