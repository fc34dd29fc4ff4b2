"""The team deployment: Procfile, replica and worker scripts, nginx templates, and helpers to run them on loopback."""
